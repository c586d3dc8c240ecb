/**
 * The one-node MoE kernels `mixtureOfExperts` hands SwiGLU experts to (ONNX Runtime's `MoE` for float32 weights, `QMoE`
 * for int8 and int4 blocks), on Qwen3-MoE's routing (128 experts, top-8, renormalized gates): which graphs use them,
 * that they compute the float64 formula, quantized ones with the dequantized weights d·q, and that such a graph's
 * weights read back as the checkpoint's. mixtureOfExperts.test.ts checks every activation form (these included) against
 * the formula on a small mixture.
 */
import assert from 'node:assert/strict';
import * as path from 'node:path';
import { test } from 'node:test';
import * as ort from 'onnxruntime-node';
import { decoderTensorNames, decoderWeightsFromGraph } from '../../server/model/arch/decoder';
import { ElementType, GraphBuilder } from '../../server/model/onnx/graphBuilder';
import { readGraphWeights } from '../../server/model/onnx/initializers';
import { mixtureOfExperts, type ExpertWeights, type MixtureSpec } from '../../server/model/onnx/layers';
import { dequantize, quantizeRows, type QuantOptions } from '../../server/model/quant';
import { readSafetensors } from '../../server/model/safetensors';
import { seededNormal } from '../../server/model/synthetic';
import type { FloatTensor } from '../../server/model/tensor';
import { tinyModelFolder } from './fixtures';
import { matVec } from './grokReference';
import { tinyQwen2Moe, tinyQwen3Moe } from './hfCheckpoints';

const hidden = 64;
const ffn = 32;
const numExperts = 128;
const qwen3: MixtureSpec = { topK: 8, activation: 'swiglu', geluApproximation: 'tanh', swigluLimit: 7, renormalize: true, routerSoftcap: 0 };

function randomMatrix(normal: () => number, rows: number, cols: number): FloatTensor {
  return { shape: [rows, cols], data: Float32Array.from({ length: rows * cols }, () => normal() / Math.sqrt(cols)) };
}

/** Random experts; the router's rows of `unused` experts score far below the others for positive inputs. */
function expertWeights(seed: number, unused: number[] = []): ExpertWeights {
  const normal = seededNormal(seed);
  const router = randomMatrix(normal, numExperts, hidden);
  for (const e of unused) router.data.fill(-10, e * hidden, (e + 1) * hidden);
  const experts = Array.from({ length: numExperts }, (_, e) => e);
  return {
    router,
    gate: experts.map(() => randomMatrix(normal, ffn, hidden)),
    up: experts.map(() => randomMatrix(normal, ffn, hidden)),
    down: experts.map(() => randomMatrix(normal, hidden, ffn)),
  };
}

function positiveTokens(seed: number, count: number): Float32Array {
  const normal = seededNormal(seed);
  return Float32Array.from({ length: count * hidden }, () => 0.1 + Math.abs(normal()));
}

/** softmax → top-k → [renormalize] → Σ gate · down(silu(gate x) · up x) on 2·x (see `mixtureGraph`), in float64. */
function referenceMixture(x: Float32Array, weights: ExpertWeights, spec: MixtureSpec): Float64Array {
  const out = new Float64Array(x.length);
  for (let t = 0; t < x.length / hidden; t++) {
    const row = x.subarray(t * hidden, (t + 1) * hidden).map((v) => 2 * v);
    const logits = Array.from(matVec(weights.router, row));
    const max = Math.max(...logits);
    const exp = logits.map((l) => Math.exp(l - max));
    const total = exp.reduce((a, b) => a + b, 0);
    const top = exp.map((value, e) => ({ e, p: value / total })).sort((a, b) => b.p - a.p).slice(0, spec.topK);
    const norm = spec.renormalize ? top.reduce((a, b) => a + b.p, 0) : 1;
    for (const { e, p } of top) {
      const up = matVec(weights.up[e], row);
      const inner = matVec(weights.gate[e], row).map((v, i) => (v / (1 + Math.exp(-v))) * up[i]);
      matVec(weights.down[e], inner).forEach((v, i) => (out[t * hidden + i] += (p / norm) * v));
    }
  }
  return out;
}

/**
 * The mixture on 2·x: its input, as in a decoder, a value computed inside the graph (which ONNX Runtime may let a
 * node overwrite with its output), not a graph input.
 */
function mixtureGraph(weights: ExpertWeights, spec: MixtureSpec, quant: QuantOptions): GraphBuilder {
  const g = new GraphBuilder();
  const input = g.input('x', ElementType.float, ['batch', 'sequence', hidden]);
  const doubled = g.op('Mul', '/double', [input, g.floats([2])]);
  const y = mixtureOfExperts(g, '/moe', doubled, hidden, 'moe', weights, spec, quant);
  g.op('Identity', '/y', [y], {}, { outputNames: ['y'] });
  g.output('y', ElementType.float, ['batch', 'sequence', hidden]);
  return g;
}

async function runMixture(x: Float32Array, weights: ExpertWeights, spec: MixtureSpec, quant: QuantOptions = {}): Promise<Float32Array> {
  const session = await ort.InferenceSession.create(mixtureGraph(weights, spec, quant).serialize('moe'));
  try {
    const outputs = await session.run({ x: new ort.Tensor('float32', x, [1, x.length / hidden, hidden]) });
    return outputs.y.data as Float32Array;
  } finally {
    await session.release();
  }
}

function opTypes(weights: ExpertWeights, spec: MixtureSpec, quant: QuantOptions): string[] {
  return (mixtureGraph(weights, spec, quant).toModel('moe').graph?.node ?? []).map((node) => node.opType ?? '');
}

/** Largest |actual - expected| relative to the largest |expected|. */
function relativeError(actual: ArrayLike<number>, expected: Float64Array): number {
  assert.equal(actual.length, expected.length);
  const scale = Math.max(...expected.map(Math.abs));
  assert.ok(scale > 0.1, `expert outputs too small to compare (${scale})`);
  return Math.max(...Array.from(expected, (v, i) => Math.abs(actual[i] - v))) / scale;
}

function assertClose(actual: Float32Array, expected: Float64Array, label: string, tolerance = 1e-5): void {
  const error = relativeError(actual, expected);
  assert.ok(error < tolerance, `${label}: max |onnx - reference| is ${error} of the output scale`);
}

test('fused experts: SwiGLU runs as one MoE node in float32 and one QMoE node in int8 and int4; GeGLU and float32 activations on quantized experts keep the per-expert lowering', () => {
  const weights = expertWeights(3);
  const geglu: MixtureSpec = { ...qwen3, activation: 'geglu' };
  const fused = (ops: string[]) => ops.filter((op) => op === 'MoE' || op === 'QMoE');
  assert.deepEqual(fused(opTypes(weights, qwen3, {})), ['MoE']);
  assert.deepEqual(fused(opTypes(weights, { ...qwen3, activation: 'swiglu_clamped' }, {})), ['MoE']);
  assert.deepEqual(fused(opTypes(weights, qwen3, { quant: 'int8' })), ['QMoE']);
  assert.deepEqual(fused(opTypes(weights, qwen3, { quant: 'int4' })), ['QMoE']);
  for (const [spec, quant] of [
    [geglu, {}],
    [geglu, { quant: 'int8' }],
    [qwen3, { quant: 'int8', activations: 'float32' }],
    [qwen3, { quant: 'int4', activations: 'float32' }],
  ] as const) {
    const ops = opTypes(weights, spec, quant);
    assert.deepEqual(fused(ops), []);
    assert.equal(ops.filter((op) => op === (quant.quant ? 'MatMulNBits' : 'MatMul')).length, 3 * numExperts + (quant.quant ? 0 : 1), `${spec.activation} ${quant.quant ?? 'float32'}`);
  }
});

/** Qwen3-MoE's routing, and top-2 / top-1 gates left as softmax probabilities (Qwen2-MoE's and OLMoE's). */
const routings: MixtureSpec[] = [qwen3, { ...qwen3, topK: 2, renormalize: false }, { ...qwen3, topK: 1, renormalize: false }];

test('fused experts: MoE (float32) matches the formula for a prompt and a single token, gates renormalized or not', async () => {
  const weights = expertWeights(5);
  for (const spec of routings) {
    for (const tokens of [9, 1]) {
      const x = positiveTokens(tokens, tokens);
      assertClose(await runMixture(x, weights, spec), referenceMixture(x, weights, spec), `top-${spec.topK}, ${tokens} token(s)`);
    }
  }
});

/**
 * QMoE (ONNX Runtime 1.31) multiplies int8 activation blocks with the weights' blocks, as the MatMulNBits lowering does
 * at accuracy_level 4, so it is held to the formula of the dequantized weights d·q within that rounding (measured here:
 * 1.2-1.8% of the output scale, with 64 inputs a row). For int4, whose weight rounding is far larger than that, the
 * output must also be much closer to the d·q formula than to the float one: the codes, scales and zero point are read
 * as written.
 */
test('fused experts: QMoE (int8, int4) computes the formula of the dequantized weights d·q within int8 activation rounding, gates renormalized or not', async () => {
  const weights = expertWeights(7);
  for (const bits of [8, 4] as const) {
    const dq = (m: FloatTensor) => dequantize(quantizeRows(m, bits, 'w'));
    const dequantized: ExpertWeights = { router: weights.router, gate: weights.gate.map(dq), up: weights.up.map(dq), down: weights.down.map(dq) };
    for (const spec of routings) {
      for (const tokens of [9, 1]) {
        const x = positiveTokens(tokens + 20, tokens);
        const label = `int${bits} top-${spec.topK}, ${tokens} token(s)`;
        const actual = await runMixture(x, weights, spec, { quant: bits === 8 ? 'int8' : 'int4' });
        const expected = referenceMixture(x, dequantized, spec);
        assertClose(actual, expected, label, 0.025);
        const float = referenceMixture(x, weights, spec);
        // Quantization changed the experts (the check above does not compare the float model with itself).
        assert.ok(expected.some((v, i) => Math.abs(v - float[i]) > 1e-4), label);
        if (bits === 4) assert.ok(relativeError(actual, expected) < relativeError(actual, float) / 3, label);
      }
    }
  }
});

test('fused experts: experts no token is routed to are never computed', async () => {
  // NaN weights in the unrouted experts would make any output they enter NaN (NaN · 0 is NaN).
  const unused = Array.from({ length: numExperts / 2 }, (_, i) => 2 * i + 1);
  const weights = expertWeights(9, unused);
  for (const e of unused) for (const matrix of [weights.gate[e], weights.up[e], weights.down[e]]) matrix.data.fill(Number.NaN);
  const x = positiveTokens(4, 6);
  const actual = await runMixture(x, weights, qwen3);
  assert.ok(actual.every(Number.isFinite), 'an unrouted expert was computed');
  assertClose(actual, referenceMixture(x, weights, qwen3), '6 tokens');
});

test('fused experts: a graph with stacked experts reads back to its checkpoint weights (float32 exactly, int8 as d·q)', () => {
  for (const [label, shape] of [
    ['qwen3moe', tinyQwen3Moe],
    ['qwen2moe (shared expert, gates not renormalized)', { ...tinyQwen2Moe, sharedExpertFfnSize: 96 }],
  ] as const) {
    for (const quant of ['none', 'int8'] as const) {
      const { dir, config } = tinyModelFolder(shape, 7, { quant });
      const original = readSafetensors(path.join(dir, 'model.safetensors'));
      const graphFile = path.join(dir, 'model.onnx');
      const restored = decoderWeightsFromGraph(config, readGraphWeights(graphFile), graphFile);
      assert.deepEqual([...restored.keys()].sort(), [...original.keys()].sort(), label);
      for (const j of [0, config.numExperts - 1]) {
        const names = decoderTensorNames.layer(config.numLayers - 1);
        for (const name of [names.expertGate(j), names.expertUp(j), names.expertDown(j)]) {
          const expected = quant === 'none' ? original.get(name)! : dequantize(quantizeRows(original.get(name)!, 8, name));
          assert.deepEqual(restored.get(name)!.shape, expected.shape, `${label} ${quant}: ${name}`);
          assert.ok(restored.get(name)!.data.every((v, i) => v === expected.data[i]), `${label} ${quant}: ${name}`);
        }
      }
    }
  }
});
