/**
 * The head-group attention lowering against ONNX Runtime's own GroupQueryAttention kernel, on the same weights: every
 * attention variant the families use (soft-capped scores, QK norms, sinks, sliding windows, YaRN, attention
 * temperature, one or several query heads a KV head) gives the same logits through long and short prompt runs, decoding,
 * truncation, the buffer growing, and several sequences decoded in one run.
 */
import assert from 'node:assert/strict';
import * as path from 'node:path';
import { test } from 'node:test';
import * as ort from 'onnxruntime-node';
import { DecoderSession, KvRowBuffer, kvRoom, promptChunkTokens } from '../../server/engines/local/decoderSession';
import { slides } from '../../server/model/arch/decoder';
import { shortRunTokens } from '../../server/model/onnx/headGroupAttention';
import type { SyntheticShape } from '../../server/model/synthetic';
import { tinyGrok, tinyModelFolder } from './fixtures';
import { tinyGptOss, tinyGrok2, tinyOlmoe, tinyQwen3Moe } from './hfCheckpoints';

const shapes: [string, SyntheticShape][] = [
  ['Grok-1 (soft-capped scores, 2 query heads a KV head)', tinyGrok],
  ['Qwen3-MoE (head QK norm)', tinyQwen3Moe],
  ['gpt-oss (sinks, a 6-position window on alternate layers, YaRN, biases)', tinyGptOss],
  ['Grok-2 (attention temperature, soft caps)', { ...tinyGrok2, attentionTemperatureLength: 12 }],
  ['OLMoE (one query head a KV head)', tinyOlmoe],
];

const tokens = (count: number, from: number) => Array.from({ length: count }, (_, i) => from + ((i * 7) % 45));

function assertClose(actual: Float32Array, expected: Float32Array, what: string): void {
  assert.equal(actual.length, expected.length, what);
  let worst = 0;
  for (let i = 0; i < actual.length; i++) worst = Math.max(worst, Math.abs(actual[i] - expected[i]));
  assert.ok(worst < 2e-4, `${what}: logits differ by up to ${worst}`);
}

async function sessionsOf(shape: SyntheticShape): Promise<{ fused: ort.InferenceSession; grouped: ort.InferenceSession; config: ReturnType<typeof tinyModelFolder>['config'] }> {
  const fused = tinyModelFolder(shape, 7, { attention: 'groupQuery' });
  const grouped = tinyModelFolder(shape, 7, { attention: 'headGroup' });
  const open = (dir: string) => ort.InferenceSession.create(path.join(dir, 'model.onnx'));
  return { fused: await open(fused.dir), grouped: await open(grouped.dir), config: fused.config };
}

for (const [label, shape] of shapes) {
  test(`head-group attention: ${label} gives GroupQueryAttention's logits through chunks, decoding, truncation and growth`, async () => {
    const { fused, grouped, config } = await sessionsOf(shape);
    assert.ok(grouped.outputNames.includes('appended.0.key') && !grouped.outputNames.includes('present.0.key'));
    assert.ok(fused.outputNames.includes('present.0.key'));
    // Prompts run 70 tokens a run: runs of 70 take GroupQueryAttention, the rest of a prompt (more than one token, at
    // most shortRunTokens) the products; the window (6) and the causal mask cut inside runs and across them.
    assert.ok(shortRunTokens < 70);
    const reference = new DecoderSession(fused, config, 'shared', undefined, 70);
    const lowered = new DecoderSession(grouped, config, 'shared', undefined, 70);
    // Any layout gives a head-group graph the shared buffer: the run's outputs are only the new positions.
    const loweredGrowing = new DecoderSession(grouped, config, 'growing', undefined, 70);
    const steps: { truncate?: number; tokens: number[] }[] = [
      // 70 tokens with nothing cached, then 10 after them; the buffer grows past 64 positions and keeps what it held.
      { tokens: tokens(80, 280) },
      ...Array.from({ length: 12 }, (_, i) => ({ tokens: [300 + i] })),
      { truncate: 9, tokens: [290, 291, 292] },
      // 70 tokens after 12 cached, then 30.
      { tokens: tokens(100, 285) },
      ...Array.from({ length: 5 }, (_, i) => ({ tokens: [310 + i] })),
    ];
    for (const [n, step] of steps.entries()) {
      for (const session of [reference, lowered, loweredGrowing]) if (step.truncate !== undefined) session.truncate(step.truncate);
      const expected = await reference.forward(step.tokens);
      assertClose(await lowered.forward(step.tokens), expected, `step ${n}`);
      assertClose(await loweredGrowing.forward(step.tokens), expected, `step ${n}, growing layout`);
    }
    await fused.release();
    await grouped.release();
  });
}

test('head-group attention: several sequences of different lengths decode in one run as each does alone', async () => {
  const { fused, grouped, config } = await sessionsOf(tinyGptOss);
  const rowsOf = (session: ort.InferenceSession) => {
    const buffer = new KvRowBuffer(config, 3);
    return [0, 1, 2].map((row) => new DecoderSession(session, config, 'shared', { buffer, row }));
  };
  const reference = rowsOf(fused);
  const lowered = rowsOf(grouped);
  const prompts = [tokens(5, 280), tokens(17, 290), tokens(11, 300)];
  for (const [row, prompt] of prompts.entries()) {
    assertClose(await lowered[row].forward(prompt), await reference[row].forward(prompt), `row ${row}'s prompt`);
  }
  // Rows 0 and 2 step together while row 1, between them, takes none: its cache must be left as it was.
  for (let step = 0; step < 4; step++) {
    const batch = (rows: DecoderSession[]) => [0, 2].map((row) => ({ session: rows[row], token: 320 + step + row }));
    const expected = await DecoderSession.forwardRows(batch(reference), reference);
    const actual = await DecoderSession.forwardRows(batch(lowered), lowered);
    expected.forEach((logits, i) => assertClose(actual[i], logits, `step ${step}, row ${[0, 2][i]}`));
  }
  assertClose(await lowered[1].forward([330]), await reference[1].forward([330]), 'row 1 after the others stepped');
  await fused.release();
  await grouped.release();
});

test('head-group attention: a layer with a sliding window reads only the cached positions its window reaches', async () => {
  const { dir, config } = tinyModelFolder(tinyGptOss, 7, { attention: 'headGroup' });
  const session = await ort.InferenceSession.create(path.join(dir, 'model.onnx'));
  const buffers = [new KvRowBuffer(config, 1), new KvRowBuffer(config, 1)];
  const [clean, poisoned] = buffers.map((buffer) => new DecoderSession(session, config, 'shared', { buffer, row: 0 }));
  const prompt = tokens(40, 280);
  await clean.forward(prompt);
  await poisoned.forward(prompt);
  // The next position is 40: a 6-position window reaches back to 35, and later positions' windows start later still.
  // NaN in positions 0-34 of the windowed layers would turn every logit to NaN if a product read them.
  const outside = 40 - config.slidingWindow + 1;
  const windowed = Array.from({ length: config.numLayers }, (_, i) => i).filter((i) => slides(config, i));
  assert.ok(windowed.length > 0 && windowed.length < config.numLayers);
  const layers = buffers[1].view(0, 1);
  for (const i of windowed) {
    for (const tensor of [layers[i].key, layers[i].value]) {
      const [, heads, capacity, width] = tensor.dims;
      const data = tensor.data as Float32Array;
      for (let h = 0; h < heads; h++) data.fill(Number.NaN, h * capacity * width, (h * capacity + outside) * width);
    }
  }
  // A long run (more than shortRunTokens) goes through GroupQueryAttention, given only the positions from 44 - 6 + 1.
  const longRun = tokens(shortRunTokens + 6, 300);
  for (const [what, run] of [['a decoded token', [330]], ['a short run', [331, 332, 333]], ['a long run', longRun]] as const) {
    const expected = await clean.forward(run);
    const actual = await poisoned.forward(run);
    assert.ok(actual.every(Number.isFinite), `${what}: logits are not all finite`);
    assertClose(actual, expected, what);
  }
  await session.release();
});

test('kvRoom: powers of two up to 256 positions, then multiples of 256 with an eighth to spare, never past the context', () => {
  assert.deepEqual([0, 1, 64, 65, 200, 256].map((n) => kvRoom(n, 4096)), [64, 64, 64, 128, 256, 256]);
  assert.deepEqual([257, 1024, 1088, 4096, 4160].map((n) => kvRoom(n, 8192)), [512, 1280, 1280, 4608, 4864]);
  assert.equal(kvRoom(4000, 4096), 4096);
});

test('promptChunkTokens: a run holds at most 256 MiB of attention scores, counted three times with sinks, and at least 256 tokens unless those pass 1 GiB', () => {
  // 8 heads x 2,016 tokens x 4,160 positions x 4 bytes is just under 256 MiB.
  assert.equal(promptChunkTokens({ numHeads: 8, attentionSinks: false }, 4160), 2016);
  assert.equal(promptChunkTokens({ numHeads: 16, attentionSinks: true }, 4160), 336);
  assert.equal(promptChunkTokens({ numHeads: 64, attentionSinks: true }, 4160), 256);
  // gpt-oss-20b's 64 heads with sinks: 256 tokens' scores pass 1 GiB from 5,462 positions on; 170 x 64 x 8,192 x 12
  // bytes is just under it. Never down to a short run's size, which takes the products over the whole buffer.
  assert.equal(promptChunkTokens({ numHeads: 64, attentionSinks: true }, 5461), 256);
  assert.equal(promptChunkTokens({ numHeads: 64, attentionSinks: true }, 8192), 170);
  assert.equal(promptChunkTokens({ numHeads: 64, attentionSinks: true }, 32768), 2 * shortRunTokens);
  // Qwen3-30B-A3B's 32 heads without sinks: 256 up to 32,768 positions, 204 at its 40,960.
  assert.equal(promptChunkTokens({ numHeads: 32, attentionSinks: false }, 32768), 256);
  assert.equal(promptChunkTokens({ numHeads: 32, attentionSinks: false }, 40960), 204);
});
