import assert from 'node:assert/strict';
import * as path from 'node:path';
import { test } from 'node:test';
import * as ort from 'onnxruntime-node';
import { buildDecoderGraph, decoderTensorNames, decoderWeightsFromGraph } from '../../server/model/arch/decoder';
import { DecoderSession } from '../../server/engines/local/decoderSession';
import { argmax } from '../../server/engines/local/sampler';
import { parseModelConfig, serializeModelConfig } from '../../server/model/config';
import { readGraphWeights } from '../../server/model/onnx/initializers';
import { dequantize, quantizeRows } from '../../server/model/quant';
import { readSafetensors } from '../../server/model/safetensors';
import { randomDecoderWeights } from '../../server/model/synthetic';
import { tinyGrok, tinyModelFolder } from './fixtures';

test("onnx graph: onnxruntime-genai's input layout, the new positions' keys and values out (present caches with GroupQueryAttention); logits of the last position, or of every one when built for scoring", async () => {
  const { dir, config } = tinyModelFolder({}, 1);
  const session = await ort.InferenceSession.create(path.join(dir, 'model.onnx'));
  const layers = Array.from({ length: config.numLayers }, (_, i) => i);
  assert.deepEqual([...session.inputNames].sort(), ['attention_mask', 'input_ids', 'logits_to_keep', ...layers.flatMap((i) => [`past_key_values.${i}.key`, `past_key_values.${i}.value`])].sort());
  assert.deepEqual([...session.outputNames].sort(), ['logits', ...layers.flatMap((i) => [`appended.${i}.key`, `appended.${i}.value`])].sort());
  const fused = await ort.InferenceSession.create(path.join(tinyModelFolder({}, 1, { attention: 'groupQuery' }).dir, 'model.onnx'));
  assert.deepEqual([...fused.outputNames].sort(), ['logits', ...layers.flatMap((i) => [`present.${i}.key`, `present.${i}.value`])].sort());
  await fused.release();
  const decoder = new DecoderSession(session, config);
  const last = await decoder.forward([1, 300, 301]);
  assert.equal(last.length, config.vocabSize);
  assert.equal(decoder.length, 3);
  await session.release();

  const scoring = new DecoderSession(await ort.InferenceSession.create(path.join(tinyModelFolder({}, 1, { logitRows: 'all' }).dir, 'model.onnx')), config);
  const every = await scoring.forward([1, 300, 301]);
  assert.equal(every.length, 3 * config.vocabSize);
  const lastRow = every.subarray(2 * config.vocabSize);
  assert.ok(last.every((value, i) => Math.abs(value - lastRow[i]) < 1e-5), 'the last-position graph differs from the last row of every position');
  await scoring.release();
});

test('onnx graph: a prompt fed in chunks through the KV cache matches one pass, and truncation rewinds', async () => {
  const { dir, config } = tinyModelFolder({ numKvHeads: 1 }, 2, { logitRows: 'all' });
  const session = new DecoderSession(await ort.InferenceSession.create(path.join(dir, 'model.onnx')), config);
  const prompt = [1, 280, 290, 300, 310, 320, 330, 340, 350];
  const whole = await session.forward(prompt);
  session.truncate(0);
  const chunked = new Float32Array(whole.length);
  chunked.set(await session.forward(prompt.slice(0, 4)));
  chunked.set(await session.forward(prompt.slice(4, 5)), 4 * config.vocabSize);
  chunked.set(await session.forward(prompt.slice(5)), 5 * config.vocabSize);
  let maxDiff = 0;
  for (let i = 0; i < whole.length; i++) maxDiff = Math.max(maxDiff, Math.abs(whole[i] - chunked[i]));
  assert.ok(maxDiff < 1e-4, `chunked vs whole: ${maxDiff}`);
  session.truncate(6);
  const rewound = await session.forward(prompt.slice(6));
  const expected = whole.subarray(6 * config.vocabSize);
  assert.ok(rewound.every((value, i) => Math.abs(value - expected[i]) < 1e-4), 'decoding after truncate(6) differs from the one pass');
  await session.release();
});

test('onnx graph: with GroupQueryAttention, the shared KV buffer (CPU) and the growing cache (other providers) give the same logits through chunks, truncation, clear and the buffer growing and shrinking', async () => {
  const { dir, config } = tinyModelFolder({}, 5, { attention: 'groupQuery' });
  const file = path.join(dir, 'model.onnx');
  const shared = new DecoderSession(await ort.InferenceSession.create(file), config, 'shared');
  const growing = new DecoderSession(await ort.InferenceSession.create(file), config, 'growing');
  // `clear` empties a cache and frees it; the next forward starts from nothing, as after truncate(0).
  const steps: { truncate?: number; clear?: boolean; tokens: number[] }[] = [
    { tokens: [1, 280, 290, 300, 310] },
    { tokens: [320] },
    { tokens: [330, 340, 350] },
    { truncate: 3, tokens: [360, 370] },
    { truncate: 0, tokens: [1, 300] },
    { clear: true, tokens: [1, 310, 320] },
    // The buffer holds room for 64 positions, then 128, then 256 (the context), keeping what it held each time.
    { tokens: Array.from({ length: 70 }, (_, i) => 280 + (i % 50)) },
    ...Array.from({ length: 60 }, (_, i) => ({ tokens: [300 + (i % 40)] })),
    { tokens: Array.from({ length: 40 }, (_, i) => 290 + i) },
    // Back to 10 positions: the buffer shrinks to 64 and keeps them.
    { truncate: 10, tokens: [330, 331] },
    { tokens: [332] },
  ];
  for (const step of steps) {
    if (step.truncate !== undefined) {
      shared.truncate(step.truncate);
      growing.truncate(step.truncate);
    }
    if (step.clear) {
      shared.clear();
      growing.truncate(0);
      assert.equal(shared.length, 0);
    }
    const a = await shared.forward(step.tokens);
    const b = await growing.forward(step.tokens);
    assert.equal(shared.length, growing.length);
    assert.ok(a.every((value, i) => Math.abs(value - b[i]) < 1e-5), `logits differ after ${JSON.stringify(step)}`);
  }
  await shared.release();
  await growing.release();
});

test('onnx graph: Mixtral-style knobs (SwiGLU, pre-norm, renormalized router, untied output) build and run', async () => {
  const { dir, config } = tinyModelFolder({ expertActivation: 'swiglu', normPlacement: 'pre', routerRenormalize: true, tiedOutput: false, embeddingMultiplier: 1, outputMultiplier: 1, attentionSoftcap: 0 }, 3);
  const session = new DecoderSession(await ort.InferenceSession.create(path.join(dir, 'model.onnx')), config);
  const logits = await session.forward([1, 290, 291, 292]);
  assert.ok(logits.every(Number.isFinite));
  await session.release();
});

test('onnx graph: weights that disagree with the config are reported by file and tensor', () => {
  const config = parseModelConfig({ ...serializeModelConfig({ ...tinyGrok, vocabSize: 300 }) }, 'config.json');
  const weights = randomDecoderWeights(config, 4);
  const q = decoderTensorNames.layer(1).q;
  weights.set(q, { shape: [32, 64], data: new Float32Array(32 * 64) });
  assert.throws(() => buildDecoderGraph(config, weights, '/m/model.safetensors'), /\/m\/model\.safetensors: tensor "model\.layers\.1\.attn\.q_proj\.weight" has shape \[32,64\] but config\.json implies \[64,64\]/);
  weights.delete(q);
  assert.throws(() => buildDecoderGraph(config, weights, 'w.safetensors'), /w\.safetensors: missing tensor "model\.layers\.1\.attn\.q_proj\.weight"/);
});

test('onnx graph: the checkpoint weights read back from a float32 graph are the ones it was built from', () => {
  for (const tiedOutput of [true, false]) {
    const { dir, config } = tinyModelFolder({ tiedOutput }, 7);
    const original = readSafetensors(path.join(dir, 'model.safetensors'));
    const graphFile = path.join(dir, 'model.onnx');
    const restored = decoderWeightsFromGraph(config, readGraphWeights(graphFile), graphFile);
    assert.deepEqual([...restored.keys()].sort(), [...original.keys()].sort());
    for (const [name, tensor] of original) {
      assert.deepEqual(restored.get(name)!.shape, tensor.shape, name);
      assert.ok(restored.get(name)!.data.every((v, i) => v === tensor.data[i]), name);
    }
  }
});

test('onnx graph: from a quantized graph, linear layers read back as the values d·q of their blocks, the rest exactly', () => {
  for (const quant of ['int8', 'int4'] as const) {
    const { dir, config } = tinyModelFolder({}, 7, { quant });
    const original = readSafetensors(path.join(dir, 'model.safetensors'));
    const graphFile = path.join(dir, 'model.onnx');
    const restored = decoderWeightsFromGraph(config, readGraphWeights(graphFile), graphFile);
    assert.deepEqual([...restored.keys()].sort(), [...original.keys()].sort());
    const q = decoderTensorNames.layer(0).q;
    const expected = dequantize(quantizeRows(original.get(q)!, quant === 'int8' ? 8 : 4, q));
    assert.deepEqual(restored.get(q)!.shape, expected.shape);
    assert.ok(restored.get(q)!.data.every((v, i) => v === expected.data[i]), `${quant}: ${q} is not d·q`);
    const norm = decoderTensorNames.layer(0).preAttnNorm;
    assert.ok(restored.get(norm)!.data.every((v, i) => v === original.get(norm)!.data[i]), 'a float32 tensor changed');
    // Quantizing d·q again gives the same blocks: a quantized model rebuilds into itself.
    const again = quantizeRows(restored.get(q)!, quant === 'int8' ? 8 : 4, q);
    assert.deepEqual(again.codes, quantizeRows(original.get(q)!, quant === 'int8' ? 8 : 4, q).codes);
  }
  const { dir, config } = tinyModelFolder({}, 7);
  const graphFile = path.join(dir, 'model.onnx');
  const weights = readGraphWeights(graphFile);
  weights.float.delete(decoderTensorNames.layer(0).q);
  assert.throws(() => decoderWeightsFromGraph(config, weights, graphFile), /model\.onnx: no initializer "model\.layers\.0\.attn\.q_proj\.weight"/);
});

test('onnx graph: a prompt longer than a chunk runs in chunks through the cache and gives the logits of one run', async () => {
  const { dir, config } = tinyModelFolder({ numKvHeads: 1 }, 3);
  const session = await ort.InferenceSession.create(path.join(dir, 'model.onnx'));
  const prompt = Array.from({ length: 19 }, (_, i) => 260 + ((i * 7) % 40));
  const oneRun = new DecoderSession(session, config, 'shared', undefined, prompt.length);
  const inChunks = new DecoderSession(session, config, 'shared', undefined, 4);
  for (const keep of [1, 3]) {
    oneRun.truncate(0);
    inChunks.truncate(0);
    const expected = await oneRun.forward(prompt, keep);
    const chunked = await inChunks.forward(prompt, keep);
    assert.equal(chunked.length, keep * config.vocabSize);
    assert.equal(inChunks.length, prompt.length);
    let worst = 0;
    expected.forEach((value, i) => (worst = Math.max(worst, Math.abs(value - chunked[i]))));
    assert.ok(worst < 1e-4, `keep ${keep}: largest logit difference ${worst}`);
  }
  // Decoding goes on from the same cache.
  let [a, b] = [argmax(await oneRun.forward([300])), argmax(await inChunks.forward([300]))];
  for (let step = 0; step < 6; step++) {
    assert.equal(b, a, `step ${step}`);
    [a, b] = [argmax(await oneRun.forward([a])), argmax(await inChunks.forward([b]))];
  }
  await session.release();
});
