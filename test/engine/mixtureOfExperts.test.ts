/**
 * The MoE block alone (`mixtureOfExperts` as its own ONNX graph) against the formula computed token by token in
 * float64: p = softmax(cap(x Wrᵀ + br)), top-k of p (optionally renormalized), y = Σ gate · down(act(gate_e x) · up_e x),
 * biases where the experts have them, and gpt-oss's clamped SwiGLU with projections past its limit.
 * Routing is arranged so that some experts receive no token at all, which the sparse dispatch must handle.
 */
import assert from 'node:assert/strict';
import { test } from 'node:test';
import * as ort from 'onnxruntime-node';
import { ElementType, GraphBuilder } from '../../server/model/onnx/graphBuilder';
import { mixtureOfExperts, type ExpertWeights, type MixtureSpec } from '../../server/model/onnx/layers';
import { seededNormal } from '../../server/model/synthetic';
import type { FloatTensor } from '../../server/model/tensor';
import { activation, matVec } from './grokReference';

const hidden = 16;
const ffn = 24;
const numExperts = 4;
/** Experts the router never picks: their router rows push the logit far below the others for positive inputs. */
const unusedExperts = [1, 3];

function randomMatrix(normal: () => number, rows: number, cols: number): FloatTensor {
  return { shape: [rows, cols], data: Float32Array.from({ length: rows * cols }, () => normal() / Math.sqrt(cols)) };
}

function randomVector(normal: () => number, length: number): FloatTensor {
  return { shape: [length], data: Float32Array.from({ length }, () => 0.3 * normal()) };
}

/** Random experts; `biased` adds the router's and every projection's biases (the unused experts' router bias very low). */
function expertWeights(seed: number, biased = false): ExpertWeights {
  const normal = seededNormal(seed);
  const router = randomMatrix(normal, numExperts, hidden);
  for (const e of unusedExperts) router.data.fill(-10, e * hidden, (e + 1) * hidden);
  const experts = Array.from({ length: numExperts }, (_, e) => e);
  const weights: ExpertWeights = {
    router,
    gate: experts.map(() => randomMatrix(normal, ffn, hidden)),
    up: experts.map(() => randomMatrix(normal, ffn, hidden)),
    down: experts.map(() => randomMatrix(normal, hidden, ffn)),
  };
  if (!biased) return weights;
  const routerBias = randomVector(normal, numExperts);
  for (const e of unusedExperts) routerBias.data[e] = -10;
  return { ...weights, routerBias, biases: experts.map(() => ({ gate: randomVector(normal, ffn), up: randomVector(normal, ffn), down: randomVector(normal, hidden) })) };
}

/** An expert's inner activations from its gate and up projections (biases added), as each activation forms them. */
function gated(spec: MixtureSpec, gate: Float64Array, up: Float64Array): Float64Array {
  if (spec.activation !== 'swiglu_clamped') return gate.map((v, i) => activation(spec.activation, spec.geluApproximation, v) * up[i]);
  const limit = spec.swigluLimit;
  return gate.map((v, i) => {
    const g = Math.min(v, limit);
    return (Math.min(Math.max(up[i], -limit), limit) + 1) * (g / (1 + Math.exp(-1.702 * g)));
  });
}

/** Positive inputs, so the `unusedExperts` router rows always score lowest. */
function positiveTokens(seed: number, count: number): Float32Array {
  const normal = seededNormal(seed);
  return Float32Array.from({ length: count * hidden }, () => 0.1 + Math.abs(normal()));
}


function referenceMixture(x: Float32Array, weights: ExpertWeights, spec: MixtureSpec): Float64Array {
  const tokens = x.length / hidden;
  const out = new Float64Array(x.length);
  for (let t = 0; t < tokens; t++) {
    const row = x.subarray(t * hidden, (t + 1) * hidden);
    const logits = Array.from(matVec(weights.router, row), (l, e) => l + (weights.routerBias?.data[e] ?? 0)).map((l) => (spec.routerSoftcap > 0 ? spec.routerSoftcap * Math.tanh(l / spec.routerSoftcap) : l));
    const max = Math.max(...logits);
    const exp = logits.map((l) => Math.exp(l - max));
    const total = exp.reduce((a, b) => a + b, 0);
    const top = exp
      .map((value, e) => ({ e, p: value / total }))
      .sort((a, b) => b.p - a.p)
      .slice(0, spec.topK);
    const norm = spec.renormalize ? top.reduce((a, b) => a + b.p, 0) : 1;
    for (const { e, p } of top) {
      assert.ok(!unusedExperts.includes(e), `fixture routes token ${t} to expert ${e}, which should stay unused`);
      const bias = weights.biases?.[e];
      const up = matVec(weights.up[e], row).map((v, i) => v + (bias?.up.data[i] ?? 0));
      const gate = matVec(weights.gate[e], row).map((v, i) => v + (bias?.gate.data[i] ?? 0));
      matVec(weights.down[e], gated(spec, gate, up)).forEach((v, i) => (out[t * hidden + i] += (p / norm) * (v + (bias?.down.data[i] ?? 0))));
    }
  }
  return out;
}

async function runMixture(x: Float32Array, weights: ExpertWeights, spec: MixtureSpec): Promise<Float32Array> {
  const g = new GraphBuilder();
  const input = g.input('x', ElementType.float, ['batch', 'sequence', hidden]);
  const y = mixtureOfExperts(g, '/moe', input, hidden, 'moe', weights, spec);
  g.op('Identity', '/y', [y], {}, { outputNames: ['y'] });
  g.output('y', ElementType.float, ['batch', 'sequence', hidden]);
  const session = await ort.InferenceSession.create(g.serialize('moe'));
  const outputs = await session.run({ x: new ort.Tensor('float32', x, [1, x.length / hidden, hidden]) });
  await session.release();
  return outputs.y.data as Float32Array;
}

const specs: [string, MixtureSpec][] = [
  ['Grok-1 (GeGLU tanh, no renormalization)', { topK: 2, activation: 'geglu', geluApproximation: 'tanh', renormalize: false, routerSoftcap: 0, swigluLimit: 7 }],
  ['GeGLU erf, renormalized, router soft-cap', { topK: 2, activation: 'geglu', geluApproximation: 'none', renormalize: true, routerSoftcap: 5, swigluLimit: 7 }],
  ['SwiGLU top-1', { topK: 1, activation: 'swiglu', geluApproximation: 'tanh', renormalize: false, routerSoftcap: 0, swigluLimit: 7 }],
  ['gpt-oss (clamped SwiGLU past its limit, router and expert biases, renormalized)', { topK: 2, activation: 'swiglu_clamped', geluApproximation: 'tanh', renormalize: true, routerSoftcap: 0, swigluLimit: 0.6 }],
];

for (const [label, spec] of specs) {
  test(`mixture of experts: ${label} matches the formula for a prompt and a single token, with unrouted experts`, async () => {
    const weights = expertWeights(11, spec.activation === 'swiglu_clamped');
    for (const tokens of [7, 1]) {
      const x = positiveTokens(tokens, tokens);
      const expected = referenceMixture(x, weights, spec);
      const actual = await runMixture(x, weights, spec);
      assert.equal(actual.length, expected.length);
      const scale = Math.max(...expected.map(Math.abs));
      const maxDiff = Math.max(...Array.from(actual, (v, i) => Math.abs(v - expected[i])));
      assert.ok(scale > 0.1, `expert outputs too small to compare (${scale})`);
      assert.ok(maxDiff < 1e-5 * scale, `${tokens} token(s): max |onnx - reference| = ${maxDiff} (output scale ${scale})`);
    }
  });
}

test('mixture of experts: dispatch is sparse: experts no token is routed to are never computed', async () => {
  // NaN weights in the unrouted experts: a dense lowering that runs every expert and weights the unrouted ones by
  // zero would still produce NaN (NaN · 0 is NaN); the sparse dispatch never touches them.
  const weights = expertWeights(11);
  for (const e of unusedExperts) for (const matrix of [weights.gate[e], weights.up[e], weights.down[e]]) matrix.data.fill(Number.NaN);
  const spec = specs[0][1];
  const x = positiveTokens(7, 7);
  const actual = await runMixture(x, weights, spec);
  assert.ok(actual.every(Number.isFinite), 'an unrouted expert was computed');
  const expected = referenceMixture(x, weights, spec);
  const scale = Math.max(...expected.map(Math.abs));
  assert.ok(Math.max(...Array.from(actual, (v, i) => Math.abs(v - expected[i]))) < 1e-5 * scale);
});
