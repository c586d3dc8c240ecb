import assert from 'node:assert/strict';
import { execFile } from 'node:child_process';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { test } from 'node:test';
import { promisify } from 'node:util';
import * as ort from 'onnxruntime-node';
import { drain } from '../../server/engines/engine';
import { DecoderSession } from '../../server/engines/local/decoderSession';
import { LocalEngine } from '../../server/engines/local/localEngine';
import { decoderTensorShapes } from '../../server/model/arch/decoder';
import { readModelConfig } from '../../server/model/config';
import { convertCheckpoint } from '../../server/model/convert';
import { Checkpoint } from '../../server/model/import/checkpoint';
import { buildOnnxModel } from '../../server/model/build';
import { exportGguf } from '../../server/model/gguf/export';
import { convertSentencePieceFile } from '../../server/model/import/sentencepiece';
import { tinyModelFolder } from './fixtures';
import { tempDir } from '../support/tempDir';
import { hfGrokCheckpoint, hfMixtralCheckpoint, withDirectFolder } from './hfCheckpoints';

const repo = path.resolve(__dirname, '..', '..', '..');
const tinyBpeModel = path.join(repo, 'test', 'fixtures', 'sentencepiece', 'tiny-bpe.model');
const tinyBpeVocab = 600;
const cli = path.join(repo, 'dist', 'rook.js');
const never = new AbortController().signal;

const load = (dir: string) => LocalEngine.load({ modelPath: dir, executionProvider: 'cpu', threads: 1 });

/** Greedy text of `prompt` from two folders' engines: equal when the models compute the same. */
async function greedyFromBoth(a: string, b: string, prompt: string): Promise<[string, string]> {
  const [first, second] = await Promise.all([load(a), load(b)]);
  const request = { prompt, maxTokens: 24, temperature: 0 };
  const texts: [string, string] = [(await drain(first.complete(request, never))).text, (await drain(second.complete(request, never))).text];
  await Promise.all([first.dispose(), second.dispose()]);
  return texts;
}

/** Logits of one forward pass over `tokens`. */
async function logitsOf(dir: string, tokens: number[]): Promise<Float32Array> {
  const session = await ort.InferenceSession.create(path.join(dir, 'model.onnx'));
  const decoder = new DecoderSession(session, readModelConfig(path.join(dir, 'config.json')));
  const logits = await decoder.forward(tokens);
  await decoder.release();
  return logits;
}

test('convert: a Hugging Face Grok-1 checkpoint (bf16, sharded, tokenizer.model only) converts to the graph built directly from its weights', async () => {
  const tokenizerJson = JSON.stringify(convertSentencePieceFile(tinyBpeModel));
  const fixture = withDirectFolder(hfGrokCheckpoint(tinyBpeModel, tinyBpeVocab, 41), tokenizerJson);
  const out = path.join(tempDir('converted'), 'grok');
  const progress: [number, number][] = [];
  const result = convertCheckpoint(fixture.checkpoint, out, { gguf: true, onProgress: (read, total) => progress.push([read, total]) });
  assert.equal(result.format, 'Hugging Face Grok-1');
  const tensors = decoderTensorShapes(fixture.config).size;
  assert.deepEqual(progress, Array.from({ length: 2 * tensors }, (_, i) => [i + 1, 2 * tensors]), 'each tensor is read once for the graph and once for the GGUF');
  assert.deepEqual(result.files, ['config.json', 'tokenizer.json', 'model.onnx', 'model.gguf']);
  assert.equal(result.externalData, false);
  assert.deepEqual(JSON.parse(fs.readFileSync(path.join(out, 'config.json'), 'utf8')), JSON.parse(fs.readFileSync(path.join(fixture.direct, 'config.json'), 'utf8')));
  assert.equal(fs.readFileSync(path.join(out, 'tokenizer.json'), 'utf8'), tokenizerJson);
  assert.ok(fs.readFileSync(path.join(out, 'model.onnx')).equals(fs.readFileSync(path.join(fixture.direct, 'model.onnx'))), 'model.onnx differs from the direct build');
  assert.ok(fs.readFileSync(path.join(out, 'model.gguf')).equals(fs.readFileSync(exportGguf(fixture.direct))), 'model.gguf differs from the direct export');
  const [converted, direct] = await greedyFromBoth(out, fixture.direct, 'def add(a, b):\n    return');
  assert.equal(converted, direct);
  assert.ok(converted.length > 0);
});

test('convert: a Hugging Face Mixtral checkpoint maps names and config (pre-norm, SwiGLU, renormalized gates, untied), runs as built directly, and exports the same GGUF', async () => {
  const fixture = hfMixtralCheckpoint(42);
  const out = path.join(tempDir('converted'), 'mixtral');
  const result = convertCheckpoint(fixture.checkpoint, out, { gguf: true });
  assert.equal(result.format, 'Hugging Face Mixtral');
  assert.deepEqual(result.files, ['config.json', 'tokenizer.json', 'tokenizer_config.json', 'model.onnx', 'model.gguf']);
  const config = JSON.parse(fs.readFileSync(path.join(out, 'config.json'), 'utf8'));
  assert.equal(config.expert_activation, 'swiglu');
  assert.equal(config.norm_placement, 'pre');
  assert.equal(config.router_renormalize, true);
  assert.equal(config.tie_word_embeddings, false);
  assert.equal(config.max_position_embeddings, fixture.config.contextLength, 'the sliding window bounds the context');
  assert.equal(config.attn_output_multiplier, 0.25);
  assert.deepEqual(config, JSON.parse(fs.readFileSync(path.join(fixture.direct, 'config.json'), 'utf8')));
  assert.ok(fs.readFileSync(path.join(out, 'model.onnx')).equals(fs.readFileSync(path.join(fixture.direct, 'model.onnx'))), 'model.onnx differs from the direct build');
  const [converted, direct] = await greedyFromBoth(out, fixture.direct, 'function add(a, b) {');
  assert.equal(converted, direct);
  assert.ok(fs.readFileSync(path.join(out, 'model.gguf')).equals(fs.readFileSync(exportGguf(fixture.direct))), 'model.gguf differs from the direct export');
});

test('convert: weights over the threshold go to model.onnx.data, and the engine computes the same logits and tokens as with embedded data', async () => {
  const { dir } = tinyModelFolder({ embeddingMultiplier: 0.2, attentionScale: 2 }, 43);
  const embedded = path.join(tempDir('converted'), 'embedded');
  const external = path.join(tempDir('converted'), 'external');
  assert.equal(convertCheckpoint(dir, embedded).externalData, false);
  const result = convertCheckpoint(dir, external, { externalDataThreshold: 1000 });
  assert.equal(result.externalData, true);
  assert.deepEqual(result.files, ['config.json', 'tokenizer.json', 'model.onnx', 'model.onnx.data']);
  const onnxSize = fs.statSync(path.join(external, 'model.onnx')).size;
  assert.ok(onnxSize < 100_000, `model.onnx keeps only the graph (${onnxSize} bytes)`);
  assert.ok(fs.statSync(path.join(external, 'model.onnx.data')).size >= result.weightBytes);
  const tokens = [1, 280, 290, 300, 310, 320];
  assert.deepEqual(await logitsOf(external, tokens), await logitsOf(embedded, tokens));
  const [fromExternal, fromEmbedded] = await greedyFromBoth(external, embedded, 'const x = ');
  assert.equal(fromExternal, fromEmbedded);
  // Converting again without external data removes the stale data file.
  convertCheckpoint(dir, external);
  assert.equal(fs.existsSync(path.join(external, 'model.onnx.data')), false);
});

test('convert: --quant int8/int4 gives the graph and GGUF built directly with that quantization, codes included in model.onnx.data', async () => {
  const { dir } = tinyModelFolder({ embeddingMultiplier: 0.2, attentionScale: 2 }, 45, { gguf: true });
  const tokens = [1, 280, 290, 300, 310, 320];
  for (const quant of ['int8', 'int4'] as const) {
    const embedded = path.join(tempDir('converted'), `${quant}-embedded`);
    const external = path.join(tempDir('converted'), `${quant}-external`);
    convertCheckpoint(dir, embedded, { quant, gguf: true });
    const result = convertCheckpoint(dir, external, { quant, externalDataThreshold: 1000 });
    assert.equal(result.externalData, true);
    const direct = path.join(tempDir('converted'), `${quant}-direct`);
    fs.cpSync(dir, direct, { recursive: true });
    const directOnnx = fs.readFileSync(buildOnnxModel(direct, { quant }));
    assert.ok(fs.readFileSync(path.join(embedded, 'model.onnx')).equals(directOnnx), `${quant}: model.onnx differs from the direct build`);
    assert.ok(fs.readFileSync(path.join(embedded, 'model.gguf')).equals(fs.readFileSync(exportGguf(direct, { quant }))), `${quant}: model.gguf differs from the direct export`);
    assert.ok(directOnnx.includes(Buffer.from('MatMulNBits')), `${quant}: the graph has MatMulNBits nodes`);
    const onnxSize = fs.statSync(path.join(external, 'model.onnx')).size;
    assert.ok(onnxSize < 100_000, `${quant}: with external data model.onnx keeps only the graph, quantized codes too (${onnxSize} bytes)`);
    assert.deepEqual(await logitsOf(external, tokens), await logitsOf(embedded, tokens));
  }
});

/** A fresh Grok checkpoint to damage, and where its conversion would go. */
function damaged(damage: (checkpoint: string) => void): { checkpoint: string; out: string } {
  const { checkpoint } = hfGrokCheckpoint(tinyBpeModel, tinyBpeVocab, 44);
  damage(checkpoint);
  return { checkpoint, out: path.join(tempDir('converted'), 'out') };
}

function rewriteHeader(file: string, edit: (header: Record<string, { dtype: string; shape: number[] }>) => void): void {
  const bytes = fs.readFileSync(file);
  const length = Number(bytes.readBigUInt64LE(0));
  const header = JSON.parse(bytes.subarray(8, 8 + length).toString('utf8'));
  edit(header);
  const json = Buffer.from(JSON.stringify(header));
  const prefix = Buffer.alloc(8);
  prefix.writeBigUInt64LE(BigInt(json.byteLength));
  fs.writeFileSync(file, Buffer.concat([prefix, json, bytes.subarray(8 + length)]));
}

const shard = (checkpoint: string, n: number) => path.join(checkpoint, `model-0000${n}-of-00003.safetensors`);
const index = (checkpoint: string) => path.join(checkpoint, 'model.safetensors.index.json');
const expectError = (checkpoint: string, out: string, pattern: RegExp) => assert.throws(() => convertCheckpoint(checkpoint, out), (error: Error) => (assert.match(error.message, pattern), true));
const escaped = (text: string) => text.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');

test('convert: bad checkpoints fail before writing anything, each naming the file and the problem', () => {
  const cases: [string, (checkpoint: string) => void, (checkpoint: string) => RegExp][] = [
    ['truncated shard', (c) => fs.truncateSync(shard(c, 2), fs.statSync(shard(c, 2)).size - 100), (c) => new RegExp(`^${escaped(shard(c, 2))}: tensor ".*" ends at byte \\d+ of a \\d+-byte data section \\(truncated file\\)`)],
    ['index naming a missing shard', (c) => fs.rmSync(shard(c, 3)), (c) => new RegExp(`^${escaped(index(c))}: names shard "model-00003-of-00003.safetensors" .*download the missing shard`)],
    [
      'missing tensor',
      (c) => {
        const json = JSON.parse(fs.readFileSync(index(c), 'utf8'));
        delete json.weight_map['model.layers.1.moe_block.experts.2.linear_v.weight'];
        fs.writeFileSync(index(c), JSON.stringify(json));
      },
      (c) => new RegExp(`^${escaped(index(c))}: missing tensor "model.layers.1.moe_block.experts.2.linear_v.weight" that config.json calls for`),
    ],
    [
      'wrong shape',
      (c) => rewriteHeader(shard(c, 1), (header) => (header['model.embed_tokens.weight'].shape = [64, tinyBpeVocab])),
      (c) => new RegExp(`^${escaped(shard(c, 1))}: tensor "model.embed_tokens.weight" has shape \\[64,600\\] but config.json implies \\[600,64\\]`),
    ],
    [
      'unsupported dtype',
      (c) => rewriteHeader(shard(c, 1), (header) => (header['model.embed_tokens.weight'].dtype = 'F8_E4M3')),
      (c) => new RegExp(`^${escaped(shard(c, 1))}: tensor "model.embed_tokens.weight" has dtype F8_E4M3; only F32, F16 and BF16 are supported`),
    ],
    [
      'unknown model_type',
      (c) => fs.writeFileSync(path.join(c, 'config.json'), JSON.stringify({ model_type: 'llama', architectures: ['LlamaForCausalLM'] })),
      (c) => new RegExp(`^${escaped(path.join(c, 'config.json'))}: unknown model_type "llama" \\(architectures \\["LlamaForCausalLM"\\]\\); rook convert reads`),
    ],
    [
      'tokenizer larger than the vocabulary',
      (c) => fs.copyFileSync(path.join(repo, 'models', 'rook-moe-mini', 'tokenizer.json'), path.join(c, 'tokenizer.json')),
      (c) => new RegExp(`^${escaped(path.join(c, 'tokenizer.json'))}: has token id 8191 but config.json says vocab_size 600; the tokenizer does not belong`),
    ],
    ['corrupt tokenizer.model', (c) => fs.writeFileSync(path.join(c, 'tokenizer.model'), 'not a protobuf'), (c) => new RegExp(`^${escaped(path.join(c, 'tokenizer.model'))}: not a SentencePiece model`)],
    [
      'pickle-only checkpoint',
      (c) => {
        for (const name of fs.readdirSync(c)) if (name.includes('safetensors')) fs.rmSync(path.join(c, name));
        fs.writeFileSync(path.join(c, 'pytorch_model.bin'), 'PK\x03\x04 pickle');
      },
      (c) => new RegExp(`^${escaped(path.join(c, 'pytorch_model.bin'))}: is a PyTorch pickle checkpoint.*convert it to safetensors first`),
    ],
  ];
  for (const [label, damage, pattern] of cases) {
    const { checkpoint, out } = damaged(damage);
    assert.throws(() => convertCheckpoint(checkpoint, out), (error: Error) => (assert.match(error.message, pattern(checkpoint), label), true), label);
    assert.equal(fs.existsSync(out), false, `${label}: nothing written`);
  }
});

test('convert: an out-dir that cannot be written is named with what to do', () => {
  const { checkpoint } = hfGrokCheckpoint(tinyBpeModel, tinyBpeVocab, 45);
  const file = path.join(tempDir('converted'), 'a-file');
  fs.writeFileSync(file, '');
  const out = path.join(file, 'out');
  expectError(checkpoint, out, new RegExp(`^${escaped(out)}: cannot write the converted model there \\(ENOTDIR\\); choose a writable out-dir`));
});

test('convert: `rook convert` through the built CLI converts, and reports bad input on stderr with exit code 1', async () => {
  const run = promisify(execFile);
  const { checkpoint } = hfGrokCheckpoint(tinyBpeModel, tinyBpeVocab, 46);
  const out = path.join(tempDir('converted'), 'cli');
  const { stdout } = await run(process.execPath, [cli, 'convert', checkpoint, out, '--external-data-threshold', '0']);
  assert.match(stdout, /Hugging Face Grok-1, 2 layers, 4 experts \(top 2\)/);
  assert.match(stdout, /wrote .*: config\.json, tokenizer\.json, model\.onnx, model\.onnx\.data \(weights in model\.onnx\.data\)/);
  const engine = await load(out);
  assert.ok((await drain(engine.complete({ prompt: 'x = ', maxTokens: 4, temperature: 0 }, never))).text.length > 0);
  await engine.dispose();

  fs.writeFileSync(path.join(checkpoint, 'config.json'), JSON.stringify({ model_type: 'bert' }));
  await assert.rejects(run(process.execPath, [cli, 'convert', checkpoint, path.join(out, 'again')]), (error: { code: number; stderr: string }) => {
    assert.equal(error.code, 1);
    assert.match(error.stderr, new RegExp(`^rook: ${escaped(path.join(checkpoint, 'config.json'))}: unknown model_type "bert"`));
    return true;
  });
  await assert.rejects(run(process.execPath, [cli, 'convert', checkpoint]), (error: { code: number; stderr: string }) => (assert.equal(error.code, 2), assert.match(error.stderr, /Usage: rook convert/), true));
  await assert.rejects(run(process.execPath, [cli, 'convert', checkpoint, out, '--quant', 'int3']), (error: { code: number; stderr: string }) => (assert.equal(error.code, 2), assert.match(error.stderr, /--quant must be int8, int4 or match, got "int3"/), true));
});

test('convert: a sharded bf16 checkpoint reads back tensor by tensor, each from its shard', () => {
  const { checkpoint, weights } = hfGrokCheckpoint(tinyBpeModel, tinyBpeVocab, 47);
  const opened = Checkpoint.open(checkpoint);
  for (const [name, tensor] of weights) {
    assert.deepEqual(opened.shape(name), tensor.shape);
    assert.deepEqual(opened.get(name)!.data, tensor.data, name);
  }
  assert.equal(opened.fileOf('model.embed_tokens.weight'), path.join(checkpoint, 'model-00001-of-00003.safetensors'));
});

test('convert: a Rook folder that ships only its graph (the embedded model) converts from model.onnx: --quant int8 gives back its very logits, float32 its d·q values', async () => {
  const embedded = path.join(repo, 'models', 'rook-moe-mini');
  const tokens = [1, 400, 1500, 37, 2900, 812, 64, 7000];
  const shipped = await logitsOf(embedded, tokens);
  for (const quant of ['int8', 'none'] as const) {
    const out = path.join(tempDir('requant'), quant);
    const result = convertCheckpoint(embedded, out, { quant, gguf: quant === 'int8' });
    assert.match(result.format, /Rook model folder \(weights from model\.onnx\)/);
    const logits = await logitsOf(out, tokens);
    const maxDiff = Math.max(...Array.from(logits, (v, i) => Math.abs(v - shipped[i])));
    // int8 of d·q is the same blocks: the same graph computes the same logits. float32 d·q runs the layers in float.
    assert.ok(maxDiff <= (quant === 'int8' ? 1e-4 : 0.5), `${quant}: max |Δ logit| ${maxDiff}`);
    if (quant === 'int8') assert.ok(fs.existsSync(path.join(out, 'model.gguf')));
  }
});
