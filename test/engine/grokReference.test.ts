/**
 * The ONNX graph against Grok's decoder computed in float64 from the formulas (grokReference.ts), for each knob
 * config.json can turn: a builder that dropped or misread one (GELU form, router renormalization, soft-caps, norm
 * placement, multipliers, untied output) would differ by far more than float32's rounding. Measured: float32 vs
 * float64 at most 1.8e-5 on these logits; flipping one knob in the reference moves them by 3.6e-4 (router
 * renormalization under sandwich norms) to 4.7 (router soft-cap), the GELU form by 4.6e-4 to 2.8e-3.
 */

/** Absolute, on logits of size ~1-10: 5x float32's measured rounding, under every single knob's effect. */
const tolerance = 1e-4;
import assert from 'node:assert/strict';
import * as path from 'node:path';
import { test } from 'node:test';
import * as ort from 'onnxruntime-node';
import { DecoderSession } from '../../server/engines/local/decoderSession';
import { readSafetensors } from '../../server/model/safetensors';
import { tinyModelFolder } from './fixtures';
import { grokReferenceLogits } from './grokReference';

const knobs = [
  ['Grok-1 (tanh GELU, no renormalization, sandwich norms, soft-cap 30)', {}],
  ['erf GELU', { geluApproximation: 'none' }],
  // With sandwich norms the post-MoE RMSNorm cancels most of a per-token rescaling, so renormalization is tested
  // with pre norms only, where it moves logits by ~1 (flipped against the sandwich configs it still shows, ~4e-4).
  ['renormalized router, pre norms', { routerRenormalize: true, normPlacement: 'pre' }],
  ['router soft-cap 2, attention soft-cap 1', { routerSoftcap: 2, attentionSoftcap: 1 }],
  ['pre norms only, untied output, multipliers', { normPlacement: 'pre', tiedOutput: false, embeddingMultiplier: 3, outputMultiplier: 0.3 }],
  ['SwiGLU experts, top-1', { expertActivation: 'swiglu', numExpertsPerToken: 1 }],
  // Positions 0-9 with L = 3: positions 4-9 run hotter, by up to log2(9)/log2(3) = 2.
  [
    'Grok-2 (residual MLP, sum times 1/√2, attention temperature past position 3, final soft-cap 2, router soft-cap 30)',
    { sharedExpertFfnSize: 80, expertSumMultiplier: Math.SQRT1_2, attentionTemperatureLength: 3, finalLogitSoftcap: 2, routerSoftcap: 30, routerRenormalize: false, tiedOutput: false },
  ],
] as const;

for (const [label, shape] of knobs) {
  test(`grok reference: ONNX logits equal the float64 decoder: ${label}`, async () => {
    const { dir, config } = tinyModelFolder({ embeddingMultiplier: 2, attentionScale: 2, ...shape }, 31, { logitRows: 'all' });
    const weights = readSafetensors(path.join(dir, 'model.safetensors'));
    const ids = [1, 17, 250, 3, 99, 42, 7, 180, 64, 5];
    const expected = grokReferenceLogits(config, weights, ids);
    const session = new DecoderSession(await ort.InferenceSession.create(path.join(dir, 'model.onnx')), config);
    const actual = await session.forward(ids);
    await session.release();
    let worst = 0;
    let scale = 0;
    expected.forEach((row, p) => row.forEach((value, v) => {
      worst = Math.max(worst, Math.abs(actual[p * config.vocabSize + v] - value));
      scale = Math.max(scale, Math.abs(value));
    }));
    assert.ok(scale > 0.5, `logits too small to compare (${scale})`);
    assert.ok(worst < tolerance, `max |onnx - float64| = ${worst} (logit scale ${scale})`);
  });
}
