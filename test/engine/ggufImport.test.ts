import assert from 'node:assert/strict';
import { execFile } from 'node:child_process';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { test } from 'node:test';
import { promisify } from 'node:util';
import { readChatTemplate } from '../../server/chat/chatTemplate';
import { drain } from '../../server/engines/engine';
import { LocalEngine } from '../../server/engines/local/localEngine';
import { convertCheckpoint } from '../../server/model/convert';
import { readModelConfig, serializeModelConfig } from '../../server/model/config';
import { decodeFloats, encodeFloats } from '../../server/model/dtype';
import { writeGgufModel } from '../../server/model/gguf/export';
import { readGgufHeader, readGgufTensor } from '../../server/model/gguf/read';
import { serializeGguf, writeGguf, type GgufTensor, type GgufValue } from '../../server/model/gguf/write';
import { modelFiles } from '../../server/model/modelFiles';
import type { QuantType } from '../../server/model/quant';
import { randomDecoderWeights } from '../../server/model/synthetic';
import type { FloatTensor } from '../../server/model/tensor';
import { embeddedModelDir, embeddedModelFolder, tinyModelFolder } from './fixtures';
import { tempDir } from '../support/tempDir';
import { tinyMixtral } from './hfCheckpoints';

type TokenizersModule = typeof import('@huggingface/tokenizers', { with: { 'resolution-mode': 'import' } });
// The package ships a CommonJS build (its `require` export) but declares its types as ESM only.
const { Tokenizer } = require('@huggingface/tokenizers') as TokenizersModule;

/** A llama.cpp-grok-compatible tiny model (renormalized gates, as llama.cpp's grok graph computes). */
const grokShape = { routerRenormalize: true, embeddingMultiplier: 0.2, attentionScale: 2 };

const read = (file: string) => fs.readFileSync(file);
/** config.json with its numbers as float32, the precision GGUF metadata stores them in. */
/** A folder's config with every field (defaults filled in), numbers as the float32 a GGUF holds. */
const float32Config = (file: string) => Object.fromEntries(Object.entries(serializeModelConfig(readModelConfig(file))).map(([key, value]) => [key, typeof value === 'number' ? Math.fround(value) : value]));
const escaped = (text: string) => text.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');

test('gguf import: F32 grok and Mixtral-style llama GGUFs convert to the graph and config built directly from the same weights', () => {
  for (const [label, shape] of [['grok', grokShape], ['llama', tinyMixtral]] as const) {
    const { dir } = tinyModelFolder(shape, 61, { gguf: true });
    const out = path.join(tempDir('from-gguf'), label);
    const result = convertCheckpoint(path.join(dir, modelFiles.gguf), out);
    assert.match(result.format, new RegExp(`^GGUF \\(llama.cpp ${label}`));
    assert.deepEqual(result.files, ['config.json', 'tokenizer.json', 'model.onnx']);
    assert.deepEqual(float32Config(path.join(out, modelFiles.config)), float32Config(path.join(dir, modelFiles.config)), `${label}: config.json`);
    assert.ok(read(path.join(out, modelFiles.onnx)).equals(read(path.join(dir, modelFiles.onnx))), `${label}: model.onnx differs from the direct build`);
  }
});

test("gguf import: the embedded model's int8 GGUF converts back to its int8 model.onnx and config (FIM ids, router without renormalization)", () => {
  const { dir } = embeddedModelFolder({ quant: 'int8' });
  const out = path.join(tempDir('from-gguf'), 'embedded');
  convertCheckpoint(path.join(dir, modelFiles.gguf), out, { quant: 'int8' });
  const config = float32Config(path.join(out, modelFiles.config));
  assert.deepEqual(config, float32Config(path.join(dir, modelFiles.config)));
  assert.equal(config.router_renormalize, false);
  assert.equal(config.fim_middle_token_id, 6);
  assert.ok(read(path.join(out, modelFiles.onnx)).equals(read(path.join(dir, modelFiles.onnx))), 'model.onnx differs from the direct build');
});

test('gguf import: Q8_0 / Q4_0 blocks dequantized and converted with the same quant give the graph built directly with it', () => {
  for (const quant of ['int8', 'int4'] as QuantType[]) {
    for (const [label, shape] of [['grok', grokShape], ['llama', tinyMixtral]] as const) {
      const { dir } = tinyModelFolder(shape, 62, { gguf: true, quant });
      const header = readGgufHeader(path.join(dir, modelFiles.gguf));
      assert.equal(header.tensors.get('blk.0.ffn_up_exps.weight')?.type, quant === 'int8' ? 'Q8_0' : 'Q4_0');
      const out = path.join(tempDir('from-gguf'), `${label}-${quant}`);
      convertCheckpoint(path.join(dir, modelFiles.gguf), out, { quant });
      assert.ok(read(path.join(out, modelFiles.onnx)).equals(read(path.join(dir, modelFiles.onnx))), `${label} ${quant}: model.onnx differs from the direct build`);
    }
  }
});

test('gguf import: the tokenizer.json rebuilt from tokenizer.ggml.* encodes like the original', () => {
  const { dir } = tinyModelFolder(grokShape, 63, { gguf: true });
  const out = path.join(tempDir('from-gguf'), 'tokenizer');
  convertCheckpoint(path.join(dir, modelFiles.gguf), out, { gguf: true });
  const load = (folder: string) => new Tokenizer(JSON.parse(fs.readFileSync(path.join(folder, modelFiles.tokenizer), 'utf8')), {});
  const [original, rebuilt] = [load(dir), load(out)];
  for (const text of ['the function returns', 'if (x) { return y; } else { let z = 1; }', '  two  spaces\tand tab', 'café ünïcode 🙂']) {
    const ids = original.encode(text).ids;
    assert.ok(ids.length > 0);
    assert.deepEqual(rebuilt.encode(text).ids, ids, JSON.stringify(text));
  }
  const reexported = readGgufHeader(path.join(out, modelFiles.gguf));
  assert.deepEqual(reexported.metadata.get('tokenizer.ggml.tokens'), readGgufHeader(path.join(dir, modelFiles.gguf)).metadata.get('tokenizer.ggml.tokens'));
});

test("gguf import: the embedded model's trained tokenizer (no space prefix) survives GGUF export and import, token for token", () => {
  const embeddedTokenizer = path.join(embeddedModelDir, modelFiles.tokenizer);
  const config = { ...readModelConfig(path.join(embeddedModelDir, modelFiles.config)), hiddenSize: 64, numLayers: 1, numHeads: 4, numKvHeads: 2, headDim: 16, numExperts: 2, numExpertsPerToken: 1, expertFfnSize: 32 };
  const dir = tempDir('gguf');
  writeGgufModel(config, randomDecoderWeights(config, 67), 'random weights', embeddedTokenizer, path.join(dir, modelFiles.gguf));
  assert.equal(readGgufHeader(path.join(dir, modelFiles.gguf)).metadata.get('tokenizer.ggml.add_space_prefix'), false);
  convertCheckpoint(path.join(dir, modelFiles.gguf), path.join(dir, 'out'));
  const load = (file: string) => new Tokenizer(JSON.parse(fs.readFileSync(file, 'utf8')), {});
  const [original, rebuilt] = [load(embeddedTokenizer), load(path.join(dir, 'out', modelFiles.tokenizer))];
  const lines = fs.readFileSync(path.resolve(__dirname, '..', '..', '..', 'server', 'model', 'convert.ts'), 'utf8').split('\n');
  for (const line of lines) assert.deepEqual(rebuilt.encode(line).ids, original.encode(line).ids, JSON.stringify(line));
});

test('gguf read: every metadata value type, v2 files, alignment, and a stacked tensor read one slab at a time', () => {
  const { dir } = tinyModelFolder(tinyMixtral, 64, { gguf: true });
  const header = readGgufHeader(path.join(dir, modelFiles.gguf));
  assert.equal(header.version, 3);
  assert.equal(header.metadata.get('general.architecture'), 'llama');
  assert.equal(header.metadata.get('llama.attention.layer_norm_rms_epsilon'), 1e-5, 'f32 read as its shortest decimal');
  const stacked = header.tensors.get('blk.1.ffn_down_exps.weight')!;
  assert.deepEqual(stacked.shape, [tinyMixtral.numExperts, tinyMixtral.hiddenSize, tinyMixtral.expertFfnSize]);
  const whole = readGgufTensor(path.join(dir, modelFiles.gguf), stacked);
  const third = readGgufTensor(path.join(dir, modelFiles.gguf), stacked, 2);
  assert.deepEqual(third.shape, stacked.shape.slice(1));
  assert.deepEqual(third.data, whole.data.subarray(2 * third.data.length, 3 * third.data.length));

  // Hand-made header bytes: version 2, alignment 64, every scalar type and nested arrays.
  const parts: Buffer[] = [];
  const u32 = (v: number) => parts.push(Buffer.from(new Uint32Array([v]).buffer));
  const u64 = (v: number) => parts.push(Buffer.from(new BigUint64Array([BigInt(v)]).buffer));
  const str = (s: string) => (u64(Buffer.byteLength(s)), parts.push(Buffer.from(s)));
  const kv = (key: string, type: number, bytes: Buffer) => (str(key), u32(type), parts.push(bytes));
  parts.push(Buffer.from('GGUF'));
  u32(2);
  u64(1);
  u64(12);
  kv('u8', 0, Buffer.from([200]));
  kv('i8', 1, Buffer.from([0xff]));
  kv('u16', 2, Buffer.from([0x34, 0x12]));
  kv('i16', 3, Buffer.from([0xfe, 0xff]));
  kv('i32', 5, Buffer.from(new Int32Array([-7]).buffer));
  kv('f64', 12, Buffer.from(new Float64Array([0.1]).buffer));
  kv('u64', 10, Buffer.from(new BigUint64Array([2n ** 60n]).buffer));
  kv('i64', 11, Buffer.from(new BigInt64Array([-5n]).buffer));
  kv('bool', 7, Buffer.from([1]));
  const nested = Buffer.concat([Buffer.from(new Uint32Array([9]).buffer), Buffer.from(new BigUint64Array([2n]).buffer), ...[[1, 2], [3]].map((a) => Buffer.concat([Buffer.from(new Uint32Array([4]).buffer), Buffer.from(new BigUint64Array([BigInt(a.length)]).buffer), Buffer.from(new Uint32Array(a).buffer)]))]);
  kv('nested', 9, nested);
  kv('general.alignment', 4, Buffer.from(new Uint32Array([64]).buffer));
  kv('s', 8, Buffer.concat([Buffer.from(new BigUint64Array([3n]).buffer), Buffer.from('abc')]));
  str('t');
  u32(1);
  u64(2);
  u32(0);
  u64(0);
  const headerBytes = Buffer.concat(parts);
  const padded = Buffer.concat([headerBytes, Buffer.alloc(64 - (headerBytes.length % 64)), Buffer.from(new Float32Array([1.5, -2]).buffer)]);
  const file = path.join(tempDir('gguf'), 'v2.gguf');
  fs.writeFileSync(file, padded);
  const v2 = readGgufHeader(file);
  assert.equal(v2.version, 2);
  assert.deepEqual(Object.fromEntries(v2.metadata), { u8: 200, i8: -1, u16: 0x1234, i16: -2, i32: -7, f64: 0.1, u64: 2n ** 60n, i64: -5, bool: true, nested: [[1, 2], [3]], 'general.alignment': 64, s: 'abc' });
  assert.deepEqual(readGgufTensor(file, v2.tensors.get('t')!), { shape: [2], data: Float32Array.of(1.5, -2) });
});

test('gguf import: a file with one tensor per expert (llama.cpp before stacked experts) converts like the stacked one', () => {
  const { dir } = tinyModelFolder(tinyMixtral, 69, { gguf: true });
  const file = path.join(dir, modelFiles.gguf);
  const perExpert = rebuiltGguf((_, tensors) => {
    const stacked = tensors.filter((t) => /_exps\.weight$/.test(t.name));
    for (const { name, tensor } of stacked) {
      tensors.splice(tensors.findIndex((t) => t.name === name), 1);
      const size = tensor.data.length / tensor.shape[0];
      for (let j = 0; j < tensor.shape[0]; j++) {
        tensors.push({ name: name.replace(/_exps\.weight$/, `.${j}.weight`), tensor: { shape: tensor.shape.slice(1), data: tensor.data.subarray(j * size, (j + 1) * size) }, type: 'F32' });
      }
    }
  })(read(file));
  const split = path.join(tempDir('gguf'), 'per-expert.gguf');
  fs.writeFileSync(split, perExpert);
  assert.ok(readGgufHeader(split).tensors.has('blk.1.ffn_down.3.weight'));
  const out = path.join(tempDir('from-gguf'), 'per-expert');
  convertCheckpoint(split, out);
  assert.ok(read(path.join(out, modelFiles.onnx)).equals(read(path.join(dir, modelFiles.onnx))), 'model.onnx differs from the direct build');
});

test('gguf read: F16 and BF16 tensors read as float32', () => {
  const values: FloatTensor = { shape: [2, 3], data: Float32Array.of(1, -2.5, 0.1, 65504, 1e-7, -0) };
  const file = path.join(tempDir('gguf'), 'half.gguf');
  const bytes = serializeGguf(new Map(), [{ name: 'h', tensor: values, type: 'F16' }]);
  fs.writeFileSync(file, bytes);
  const f16 = readGgufHeader(file).tensors.get('h')!;
  assert.equal(f16.type, 'F16');
  assert.deepEqual(readGgufTensor(file, f16), { shape: [2, 3], data: decodeFloats(encodeFloats(values.data, 'F16'), 'F16') });
  bytes.writeUInt32LE(30, tensorTypeOffset(bytes, 'h', 2));
  fs.writeFileSync(file, bytes);
  const bf16 = readGgufHeader(file).tensors.get('h')!;
  assert.equal(bf16.type, 'BF16');
  assert.deepEqual(readGgufTensor(file, bf16).data, decodeFloats(encodeFloats(values.data, 'F16'), 'BF16'), 'the same bytes read as bf16');
});

test('gguf write: a tensor at a time, each computed when its turn comes; values that do not fill the shape are refused', () => {
  const file = path.join(tempDir('gguf'), 'streamed.gguf');
  const seen: { name: string; fileBytes: number }[] = [];
  // The data of each tensor is computed when read, as `writeGgufModel`'s are; each read notes how much is written.
  const computed = (name: string, shape: number[], type: GgufTensor['type']): GgufTensor => ({
    name,
    type,
    tensor: {
      shape,
      get data() {
        seen.push({ name, fileBytes: fs.existsSync(file) ? fs.statSync(file).size : 0 });
        return Float32Array.from({ length: shape[0] * shape[1] }, (_, i) => Math.sin(i + name.length));
      },
    },
  });
  const tensors = [computed('a', [4, 64], 'Q8_0'), computed('bb', [2, 32], 'Q4_0'), computed('ccc', [3, 5], 'F32')];
  writeGguf(file, new Map([['general.name', { str: 'streamed' }]]), tensors);
  assert.deepEqual(seen.map((s) => s.name), ['a', 'bb', 'ccc'], 'each tensor read once, in file order');
  const header = readGgufHeader(file);
  const offsets = ['a', 'bb', 'ccc'].map((name) => header.tensors.get(name)!.offset);
  // When a tensor is computed, everything before it is on disk: no tensor waits in memory for the others.
  assert.ok(seen[1].fileBytes >= offsets[1] && seen[2].fileBytes >= offsets[2], `file sizes at each read: ${seen.map((s) => s.fileBytes).join(', ')}`);
  assert.ok(fs.readFileSync(file).equals(serializeGguf(new Map([['general.name', { str: 'streamed' }]]), tensors)), 'the file is what serializeGguf makes');
  const short: GgufTensor = { name: 'short', type: 'F32', tensor: { shape: [2, 32], data: new Float32Array(3) } };
  assert.throws(() => writeGguf(file, new Map(), [short]), /tensor "short": 3 values for shape \[2, 32\]/);
  // Sizes are known before any value is computed: rows that are not whole blocks are refused before anything is written.
  const ragged: GgufTensor = { name: 'ragged', type: 'Q8_0', tensor: { shape: [2, 48], data: new Float32Array(96) } };
  assert.throws(() => writeGguf(file, new Map(), [ragged]), /tensor "ragged" has rows of 48 values, not a multiple of 32/);
});

/** A fresh grok GGUF's bytes, damaged, written next to where its conversion would go. */
function damagedGguf(damage: (bytes: Buffer) => Buffer): { file: string; out: string } {
  const { dir } = tinyModelFolder(grokShape, 65, { gguf: true });
  const file = path.join(dir, modelFiles.gguf);
  fs.writeFileSync(file, damage(read(file)));
  return { file, out: path.join(tempDir('from-gguf'), 'out') };
}

/** The GGUF of a tiny grok model rebuilt from its parts with `edit` applied (metadata and tensors). */
function rebuiltGguf(edit: (metadata: Map<string, GgufValue>, tensors: GgufTensor[]) => void): (bytes: Buffer) => Buffer {
  return (bytes) => {
    const file = path.join(tempDir('gguf'), 'source.gguf');
    fs.writeFileSync(file, bytes);
    const header = readGgufHeader(file);
    const metadata = new Map<string, GgufValue>();
    for (const [key, value] of header.metadata) {
      if (typeof value === 'string') metadata.set(key, { str: value });
      else if (typeof value === 'boolean') metadata.set(key, { bool: value });
      else if (typeof value === 'number') metadata.set(key, Number.isInteger(value) && !key.endsWith('scale') && !key.endsWith('softcapping') && !key.endsWith('epsilon') && !key.endsWith('freq_base') ? { u32: value } : { f32: value });
      else if (key === 'tokenizer.ggml.tokens') metadata.set(key, { strs: value as string[] });
      else if (key === 'tokenizer.ggml.scores') metadata.set(key, { f32s: value as number[] });
      else metadata.set(key, { i32s: value as number[] });
    }
    const tensors = [...header.tensors.values()].map((info) => ({ name: info.name, tensor: readGgufTensor(file, info), type: 'F32' as const }));
    edit(metadata, tensors);
    return serializeGguf(metadata, tensors);
  };
}

/** Where the tensor info of `name` stores its type: after the name, the dim count and the dims. */
function tensorTypeOffset(bytes: Buffer, name: string, dims: number): number {
  const at = bytes.indexOf(Buffer.from(name));
  return at + name.length + 4 + 8 * dims;
}

test('gguf import: corrupt or unsupported GGUF files fail before writing anything, each naming the file and the problem', () => {
  const cases: [string, (bytes: Buffer) => Buffer, RegExp][] = [
    ['bad magic', (b) => Buffer.concat([Buffer.from('GGML'), b.subarray(4)]), /: not a GGUF file \(it does not start with "GGUF"\)/],
    ['unknown version', (b) => (b.writeUInt32LE(7, 4), b), /: GGUF version 7 is not supported \(Rook reads versions 2 and 3\)/],
    ['truncated in the header', (b) => b.subarray(0, 12), /: tensor count runs past the end of the 12-byte file \(truncated file\)/],
    ['truncated in the metadata', (b) => b.subarray(0, b.indexOf(Buffer.from('tokenizer.ggml.tokens')) + 40), /: (length of )?metadata key "tokenizer.ggml.tokens".* \(truncated (or corrupt )?file\)/],
    ['truncated in the tensor infos', (b) => b.subarray(0, b.lastIndexOf(Buffer.from('blk.1.ffn_down_exps.weight')) + 30), /: dimensions of tensor "blk.1.ffn_down_exps.weight" runs past the end of the \d+-byte file \(truncated file\)/],
    ['truncated in the tensor data', (b) => b.subarray(0, b.length - 100), /: tensor "blk.1.layer_output_norm.weight" data ends at byte \d+, past the end of the \d+-byte file \(truncated file\)/],
    ['unknown tensor type', (b) => (b.writeUInt32LE(99, tensorTypeOffset(b, 'blk.0.attn_q.weight', 2)), b), /: tensor "blk.0.attn_q.weight" has unknown tensor type 99/],
    ['Q3_K tensor type', (b) => (b.writeUInt32LE(11, tensorTypeOffset(b, 'blk.0.attn_q.weight', 2)), b), /: tensor "blk.0.attn_q.weight" has type Q3_K, which Rook does not read; use a GGUF with F32, F16, BF16, Q8_0, Q4_0, Q4_K, Q5_K, Q6_K or MXFP4 tensors/],
    ['dims that overflow', (b) => (b.writeBigUInt64LE(2n ** 62n, b.indexOf(Buffer.from('token_embd.weight')) + 'token_embd.weight'.length + 4), b), /: tensor "token_embd.weight" has dimension 4611686018427387904, which is zero or overflows/],
    ['unknown architecture', rebuiltGguf((m) => m.set('general.architecture', { str: 'gpt2' })), /: general.architecture is "gpt2"; rook convert reads llama.cpp's "grok", "llama", "qwen2moe", "qwen3moe", "olmoe", "granitemoe"/],
    ['dense llama', rebuiltGguf((m) => (m.set('general.architecture', { str: 'llama' }), m.delete('grok.expert_count'))), /: is a dense llama model \(no llama.expert_count\)/],
    ['missing metadata key', rebuiltGguf((m) => m.delete('grok.block_count')), /: missing metadata key "grok.block_count"/],
    ['missing tensor', rebuiltGguf((_, t) => t.splice(t.findIndex((x) => x.name === 'blk.1.ffn_up_exps.weight'), 1)), /: missing tensor "blk.1.ffn_up_exps.weight" that the metadata calls for/],
    ['wrong shape', rebuiltGguf((_, t) => (t.find((x) => x.name === 'blk.0.attn_k.weight')!.tensor.shape = [16, 128])), /: tensor "blk.0.attn_k.weight" has shape \[16,128\] but the metadata implies \[32,64\]/],
    ['unusable chat template', rebuiltGguf((m) => m.set('tokenizer.chat_template', { str: '{% for m in %}' })), /: tokenizer.chat_template is not a usable Jinja template/],
    ['gpt2 BPE tokenizer without merges', rebuiltGguf((m) => m.set('tokenizer.ggml.model', { str: 'gpt2' })), /: has no tokenizer.ggml.merges, which a byte-level BPE vocabulary needs/],
    ['WordPiece tokenizer', rebuiltGguf((m) => m.set('tokenizer.ggml.model', { str: 'bert' })), /: tokenizer.ggml.model "bert" is not supported: SentencePiece \("llama"\) and byte-level BPE \("gpt2"\) vocabularies/],
    [
      'byte-level BPE with a pre-tokenizer Rook does not know',
      rebuiltGguf((m) => m.set('tokenizer.ggml.model', { str: 'gpt2' }).set('tokenizer.ggml.merges', { strs: ['a b'] }).set('tokenizer.ggml.pre', { str: 'tekken' })),
      /: tokenizer.ggml.pre "tekken" is not one Rook reads/,
    ],
  ];
  for (const [label, damage, pattern] of cases) {
    const { file, out } = damagedGguf(damage);
    assert.throws(() => convertCheckpoint(file, out), (error: Error) => (assert.match(error.message, new RegExp(`^${escaped(file)}${pattern.source}`), label), true), label);
    assert.equal(fs.existsSync(out), false, `${label}: nothing written`);
  }
});

test('gguf import: `rook convert model.gguf OUT --quant int8` through the built CLI gives a folder the engine runs; a bad file exits 1 naming it', async () => {
  const run = promisify(execFile);
  const cli = path.resolve(__dirname, '..', '..', '..', 'dist', 'rook.js');
  const { dir } = tinyModelFolder(tinyMixtral, 66, { gguf: true, quant: 'int8' });
  const out = path.join(tempDir('from-gguf'), 'cli');
  const { stdout } = await run(process.execPath, [cli, 'convert', path.join(dir, modelFiles.gguf), out, '--quant', 'int8']);
  assert.match(stdout, /GGUF \(llama.cpp llama, Mixtral-style\), 2 layers, 4 experts \(top 2\).*linear layers stored as int8/);
  assert.ok(read(path.join(out, modelFiles.onnx)).equals(read(path.join(dir, modelFiles.onnx))));
  const engine = await LocalEngine.load({ modelPath: out, executionProvider: 'cpu', threads: 1 });
  assert.ok((await drain(engine.complete({ prompt: 'x = ', maxTokens: 4, temperature: 0 }, new AbortController().signal))).text.length > 0);
  await engine.dispose();

  const notGguf = path.join(tempDir('gguf'), 'model.gguf');
  fs.writeFileSync(notGguf, '{"not": "gguf"}');
  await assert.rejects(run(process.execPath, [cli, 'convert', notGguf, path.join(out, 'again')]), (error: { code: number; stderr: string }) => {
    assert.equal(error.code, 1);
    assert.match(error.stderr, new RegExp(`^rook: ${escaped(notGguf)}: not a GGUF file`));
    return true;
  });
});

test("gguf import: tokenizer.chat_template becomes tokenizer_config.json's chat template, with the eos token's text", async () => {
  const { dir } = tinyModelFolder(grokShape, 68, { gguf: true });
  const file = path.join(dir, modelFiles.gguf);
  fs.writeFileSync(file, rebuiltGguf((m) => m.set('tokenizer.chat_template', { str: '{% for m in messages %}<{{ m.role }}>{{ m.content }}{{ eos_token }}{% endfor %}<assistant>' }))(read(file)));
  const out = path.join(tempDir('from-gguf'), 'chat');
  assert.deepEqual(convertCheckpoint(file, out).files, ['config.json', 'tokenizer.json', 'tokenizer_config.json', 'model.onnx']);
  assert.equal(await readChatTemplate(out)?.render([{ role: 'user', content: 'hi' }]), '<user>hi</s><assistant>');
});
