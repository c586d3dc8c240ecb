/**
 * The MoE families beyond Grok-1 and Mixtral (Qwen2-MoE, Qwen3-MoE, OLMoE, Granite MoE with and without its shared
 * expert, gpt-oss, DeepSeek-V2 with and without its query bottleneck, Grok-2), each from a checkpoint in its own Hugging Face layout and names: the conversion must give the config and
 * graph built directly from the same weights, and the GGUF it exports must read back to the same model.
 */
import assert from 'node:assert/strict';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { test } from 'node:test';
import type * as ort from 'onnxruntime-node';
import { drain } from '../../server/engines/engine';
import { openSession } from '../../server/engines/local/executionProvider';
import { LocalEngine } from '../../server/engines/local/localEngine';
import { readModelConfig } from '../../server/model/config';
import { convertCheckpoint } from '../../server/model/convert';
import { qwenStyleTokenizer } from './byteLevelTokenizer';
import { tempDir } from '../support/tempDir';
import { hfFamilyCheckpoint, hfGptOssMxfp4Checkpoint, hfGrok2TensorParallel, tinyDeepseekV2, tinyDeepseekV2Full, tinyGptOss, tinyGraniteMoe, tinyGraniteMoeShared, tinyHfGrok2, tinyOlmoe, tinyQwen2Moe, tinyQwen3Moe, tinyQwen3MoeDense } from './hfCheckpoints';

const families = [
  ['Qwen3-MoE', tinyQwen3Moe, 'Hugging Face Qwen3-MoE', 'GGUF (llama.cpp qwen3moe)'],
  ['Qwen2-MoE', tinyQwen2Moe, 'Hugging Face Qwen2-MoE', 'GGUF (llama.cpp qwen2moe)'],
  ['OLMoE', tinyOlmoe, 'Hugging Face OLMoE', 'GGUF (llama.cpp olmoe)'],
  ['Granite MoE', tinyGraniteMoe, 'Hugging Face Granite MoE', 'GGUF (llama.cpp granitemoe)'],
  ['Granite MoE shared', tinyGraniteMoeShared, 'Hugging Face Granite MoE', 'GGUF (llama.cpp granitemoe)'],
  ['gpt-oss', tinyGptOss, 'Hugging Face gpt-oss', 'GGUF (llama.cpp gpt-oss)'],
  ['DeepSeek-V2-Lite', tinyDeepseekV2, 'Hugging Face DeepSeek-V2', 'GGUF (llama.cpp deepseek2)'],
  ['DeepSeek-V2 (q_lora_rank)', tinyDeepseekV2Full, 'Hugging Face DeepSeek-V2', 'GGUF (llama.cpp deepseek2)'],
  ['Grok-2', tinyHfGrok2, 'Grok-2 (xAI, SGLang layout)', 'GGUF (llama.cpp grok)'],
] as const;

const read = (dir: string, file: string) => fs.readFileSync(path.join(dir, file));
const configOf = (dir: string) => JSON.parse(read(dir, 'config.json').toString('utf8'));

for (const [label, shape, format, ggufFormat] of families) {
  test(`families: a ${label} checkpoint in its Hugging Face names converts to the graph built directly, and its GGUF reads back to it`, () => {
    const fixture = hfFamilyCheckpoint(shape, 71);
    const out = path.join(tempDir('family'), 'converted');
    const result = convertCheckpoint(fixture.checkpoint, out, { gguf: true });
    assert.equal(result.format, format);
    assert.deepEqual(configOf(out), configOf(fixture.direct));
    assert.ok(read(out, 'model.onnx').equals(read(fixture.direct, 'model.onnx')), 'model.onnx differs from the direct build');

    const fromGguf = path.join(tempDir('family-gguf'), 'converted');
    const reimport = convertCheckpoint(path.join(out, 'model.gguf'), fromGguf);
    assert.equal(reimport.format, ggufFormat);
    const { architecture, ...fields } = configOf(fromGguf);
    assert.equal(architecture, shape.architecture);
    for (const [field, value] of Object.entries(fields)) {
      const expected = configOf(fixture.direct)[field];
      if (typeof value === 'number') assert.ok(Math.abs(value - expected) <= 1e-6 * Math.abs(expected), `${field}: ${value} vs ${expected}`);
      else assert.deepEqual(value, expected, field);
    }
    // The GGUF holds the float knobs as float32, as the graph does: the same graph.
    assert.ok(read(fromGguf, 'model.onnx').equals(read(fixture.direct, 'model.onnx')), 'the GGUF import built another graph');
  });
}

test('families: a Qwen3-MoE checkpoint with a dense layer between sparse ones (mlp_only_layers) converts to the graph built directly; its GGUF is refused', () => {
  const fixture = hfFamilyCheckpoint(tinyQwen3MoeDense, 74);
  assert.deepEqual(fixture.hfConfig.mlp_only_layers, [1]);
  assert.ok(fixture.weights.has('model.layers.1.mlp.linear.weight') && !fixture.weights.has('model.layers.1.moe_block.gate.weight'));
  const out = path.join(tempDir('family-dense'), 'converted');
  convertCheckpoint(fixture.checkpoint, out);
  assert.deepEqual([configOf(out).mlp_only_layers, configOf(out).dense_intermediate_size], [[1], tinyQwen3MoeDense.denseFfnSize]);
  assert.ok(read(out, 'model.onnx').equals(read(fixture.direct, 'model.onnx')), 'model.onnx differs from the direct build');
  // llama.cpp's qwen3moe graph has no dense layers: a GGUF of this model would be another model.
  const refused = path.join(tempDir('family-dense-gguf'), 'converted');
  assert.throws(() => convertCheckpoint(fixture.checkpoint, refused, { gguf: true }), /llama\.cpp's qwen3moe architecture computes another model for mlp_only_layers \[1\]/);
});

test("families: gpt-oss as OpenAI released it, its experts in MXFP4 blocks and scales, converts to the graph of the same values built directly", () => {
  const fixture = hfGptOssMxfp4Checkpoint(75);
  const out = path.join(tempDir('family-mxfp4'), 'converted');
  assert.equal(convertCheckpoint(fixture.checkpoint, out).format, 'Hugging Face gpt-oss');
  assert.ok(read(out, 'model.onnx').equals(read(fixture.direct, 'model.onnx')), 'the decoded experts differ from the values they encode');

  // An E8M0 exponent of 255 is NaN: refused, naming the tensor, and nothing written.
  const shard = path.join(fixture.checkpoint, fixture.quantizedShard);
  const bytes = fs.readFileSync(shard);
  const header = JSON.parse(bytes.subarray(8, 8 + Number(bytes.readBigUInt64LE(0))).toString('utf8'));
  const scales = header['model.layers.0.mlp.experts.down_proj_scales'];
  const corrupt = Buffer.from(bytes);
  corrupt[8 + Number(bytes.readBigUInt64LE(0)) + scales.data_offsets[0]] = 255;
  fs.writeFileSync(shard, corrupt);
  const refused = path.join(tempDir('family-mxfp4-nan'), 'converted');
  assert.throws(() => convertCheckpoint(fixture.checkpoint, refused), /"model\.layers\.0\.mlp\.experts\.down_proj_scales" holds the exponent 255, which is NaN/);
  assert.ok(!fs.existsSync(refused));

  // Blocks whose shape is not transformers' layout are refused, naming it.
  header['model.layers.0.mlp.experts.down_proj_blocks'].shape = [...header['model.layers.0.mlp.experts.down_proj_blocks'].shape.slice(0, 2), 6, 8];
  const json = Buffer.from(JSON.stringify(header));
  const length = Buffer.alloc(8);
  length.writeBigUInt64LE(BigInt(json.length));
  fs.writeFileSync(shard, Buffer.concat([length, json, bytes.subarray(8 + Number(bytes.readBigUInt64LE(0)))]));
  assert.throws(() => convertCheckpoint(fixture.checkpoint, path.join(tempDir('family-mxfp4-shape'), 'converted')), /tensor "model\.layers\.0\.mlp\.experts\.down_proj" is stored as MXFP4, but its blocks have shape \[4,64,6,8\]/);
});

test('families: Grok-2 as released, its experts split over tensor-parallel files, converts to the graph built directly', () => {
  const fixture = hfGrok2TensorParallel(73, 2);
  assert.ok(fixture.config.expertFfnSize % 2 === 0 && fixture.config.numExperts > 1);
  const out = path.join(tempDir('family-tp'), 'converted');
  assert.equal(convertCheckpoint(fixture.checkpoint, out).format, 'Grok-2 (xAI, SGLang layout)');
  assert.ok(read(out, 'model.onnx').equals(read(fixture.direct, 'model.onnx')), 'the joined experts differ from the whole ones');

  // The release's own tokenizer file is named as what it is, with where a readable one comes from.
  fs.renameSync(path.join(fixture.checkpoint, 'tokenizer.json'), path.join(fixture.checkpoint, 'tokenizer.tok.json'));
  assert.throws(() => convertCheckpoint(fixture.checkpoint, path.join(tempDir('family-tp-tok'), 'converted')), /tokenizer\.tok\.json is xAI's own format.*grok-2-tokenizer/);
  fs.renameSync(path.join(fixture.checkpoint, 'tokenizer.tok.json'), path.join(fixture.checkpoint, 'tokenizer.json'));

  // A rank's file missing: refused, naming it, and nothing written.
  fs.rmSync(path.join(fixture.checkpoint, 'pytorch_model-00001-TP-000.safetensors'));
  const refused = path.join(tempDir('family-tp-missing'), 'converted');
  assert.throws(() => convertCheckpoint(fixture.checkpoint, refused), /no tensor-parallel file for rank 000/);
  assert.ok(!fs.existsSync(refused));
});

test('families: DeepSeek-V2 caches the latent: one key and value row of kv_lora_rank + rope dims a position and layer, not a head each', async () => {
  const fixture = hfFamilyCheckpoint(tinyDeepseekV2, 71);
  const config = readModelConfig(path.join(fixture.direct, 'config.json'));
  assert.ok(config.numHeads > 1 && config.kvLoraRank > 0);
  const { session } = await openSession(path.join(fixture.direct, 'model.onnx'), 'cpu', 1);
  try {
    const cacheDims = (metadata: readonly ort.InferenceSession.ValueMetadata[]) =>
      metadata.filter((m) => /^(past_key_values|appended)\./.test(m.name)).map((m) => (m.isTensor ? [...m.shape] : []).filter((d) => typeof d === 'number'));
    const dims = [...cacheDims(session.inputMetadata), ...cacheDims(session.outputMetadata)];
    assert.equal(dims.length, 4 * config.numLayers);
    for (const d of dims) assert.deepEqual(d, [1, config.kvLoraRank + config.ropeHeadDim]);
  } finally {
    await session.release();
  }
});

test("families: a Qwen3-MoE checkpoint with Qwen's tokenizer converts with its FIM markers, its stop tokens, no BOS, and its chat_template.jinja; the engine infills with them", async () => {
  const qwen = qwenStyleTokenizer();
  const fixture = hfFamilyCheckpoint(tinyQwen3Moe, 72, qwen);
  const template = "{% for m in messages %}<|im_start|>{{ m.role }}\n{{ m.content }}<|im_end|>\n{% endfor %}<|im_start|>assistant\n";
  fs.writeFileSync(path.join(fixture.checkpoint, 'chat_template.jinja'), template);
  fs.writeFileSync(path.join(fixture.checkpoint, 'tokenizer_config.json'), JSON.stringify({ eos_token: '<|im_end|>', pad_token: '<|endoftext|>', add_bos_token: false }));
  const out = path.join(tempDir('family-qwen'), 'converted');
  const result = convertCheckpoint(fixture.checkpoint, out);
  assert.ok(result.files.includes('chat_template.jinja'));
  assert.equal(read(out, 'chat_template.jinja').toString('utf8'), template);
  const config = readModelConfig(path.join(out, 'config.json'));
  assert.deepEqual(config.fim, { prefix: qwen.idOf('<|fim_prefix|>'), suffix: qwen.idOf('<|fim_suffix|>'), middle: qwen.idOf('<|fim_middle|>') });
  assert.equal(config.addBosToken, false);
  for (const stop of ['<|endoftext|>', '<|im_end|>', '<|fim_pad|>', '<|file_sep|>']) assert.ok(config.stopTokenIds.includes(qwen.idOf(stop)), stop);

  const engine = await LocalEngine.load({ modelPath: out, executionProvider: 'cpu', threads: 1 });
  try {
    const [prefix, suffix] = ['def add(a, b):\n    ', '\n\nprint(add(1, 2))\n'];
    const usage = (await drain(engine.complete({ prompt: prefix, suffix, maxTokens: 3, temperature: 0 }, new AbortController().signal))).usage;
    // <|fim_prefix|> prefix <|fim_suffix|> suffix <|fim_middle|>, and no BOS.
    assert.equal(usage?.promptTokens, 3 + engine.encode(prefix).length + engine.encode(suffix).length);
  } finally {
    await engine.dispose();
  }
});

test("families: a DeepSeek-V2 checkpoint with DeepSeek-Coder's markers converts with <｜fim▁begin｜>, <｜fim▁hole｜>, <｜fim▁end｜> as FIM, its end-of-sentence and EOT stops, and BOS; the engine infills with them", async () => {
  // Qwen's byte-level vocabulary with DeepSeek-Coder-V2's added tokens in place of Qwen's.
  const base = qwenStyleTokenizer();
  const first = base.vocabSize - base.json.added_tokens.length;
  const spellings: [string, boolean][] = [['<｜begin▁of▁sentence｜>', true], ['<｜end▁of▁sentence｜>', true], ['<｜fim▁hole｜>', false], ['<｜fim▁begin｜>', false], ['<｜fim▁end｜>', false], ['<|EOT|>', true]];
  const added = spellings.map(([content, special], i) => ({ id: first + i, content, single_word: false, lstrip: false, rstrip: false, normalized: true, special }));
  const idOf = (content: string) => added.find((t) => t.content === content)!.id;
  const tokenizer = { json: { ...base.json, added_tokens: added }, vocabSize: first + added.length };
  const fixture = hfFamilyCheckpoint(tinyDeepseekV2, 74, tokenizer);
  const hfConfig = { ...fixture.hfConfig, bos_token_id: idOf('<｜begin▁of▁sentence｜>'), eos_token_id: idOf('<｜end▁of▁sentence｜>') };
  fs.writeFileSync(path.join(fixture.checkpoint, 'config.json'), JSON.stringify(hfConfig));
  fs.writeFileSync(path.join(fixture.checkpoint, 'tokenizer_config.json'), JSON.stringify({ add_bos_token: true, add_eos_token: false, bos_token: '<｜begin▁of▁sentence｜>', eos_token: '<｜end▁of▁sentence｜>' }));
  const out = path.join(tempDir('family-deepseek'), 'converted');
  convertCheckpoint(fixture.checkpoint, out);
  const config = readModelConfig(path.join(out, 'config.json'));
  assert.deepEqual(config.fim, { prefix: idOf('<｜fim▁begin｜>'), suffix: idOf('<｜fim▁hole｜>'), middle: idOf('<｜fim▁end｜>') });
  assert.equal(config.addBosToken, true);
  assert.equal(config.bosTokenId, idOf('<｜begin▁of▁sentence｜>'));
  assert.equal(config.eosTokenId, idOf('<｜end▁of▁sentence｜>'));
  assert.ok(config.stopTokenIds.includes(idOf('<|EOT|>')), 'EOT ends a generation too');

  const engine = await LocalEngine.load({ modelPath: out, executionProvider: 'cpu', threads: 1 });
  try {
    const [prefix, suffix] = ['def add(a, b):\n    ', '\n\nprint(add(1, 2))\n'];
    const usage = (await drain(engine.complete({ prompt: prefix, suffix, maxTokens: 3, temperature: 0 }, new AbortController().signal))).usage;
    // BOS <｜fim▁begin｜> prefix <｜fim▁hole｜> suffix <｜fim▁end｜>.
    assert.equal(usage?.promptTokens, 1 + 3 + engine.encode(prefix).length + engine.encode(suffix).length);
  } finally {
    await engine.dispose();
  }
});

test('families: without a tokenizer that says otherwise, prompts keep their BOS (SentencePiece-style tokenizers)', () => {
  const fixture = hfFamilyCheckpoint(tinyOlmoe, 73);
  const out = path.join(tempDir('family-bos'), 'converted');
  convertCheckpoint(fixture.checkpoint, out);
  assert.equal(readModelConfig(path.join(out, 'config.json')).addBosToken, true);
});
