import assert from 'node:assert/strict';
import { test } from 'node:test';
import type { ModelConfig } from '../../../../../server/model/config';
import { llama } from '../../../../../server/model/gguf/names/llama';
import { deinterleaveRopeRows, interleaveRopeRows } from '../../../../../server/model/gguf/ropeRows';

test('llama GGUF: q/k rows go from rotate-half to interleaved pairs within each head, as convert_hf_to_gguf.py permutes', () => {
  // Two heads of dim 4, one column: head h holds rotate-half rows [x0, x1, y0, y1] and must become [x0, y0, x1, y1].
  const rows = Float32Array.from([10, 11, 20, 21, 30, 31, 40, 41]);
  assert.deepEqual([...interleaveRopeRows({ shape: [8, 1], data: rows }, 2).data], [10, 20, 11, 21, 30, 40, 31, 41]);
  const wide = Float32Array.from({ length: 8 }, (_, i) => i);
  assert.deepEqual([...interleaveRopeRows({ shape: [4, 2], data: wide }, 1).data], [0, 1, 4, 5, 2, 3, 6, 7]);
});

test('llama GGUF: deinterleaveRopeRows puts interleaved q/k rows back in rotate-half order (read side)', () => {
  assert.deepEqual([...deinterleaveRopeRows({ shape: [8, 1], data: Float32Array.from([10, 20, 11, 21, 30, 40, 31, 41]) }, 2).data], [10, 11, 20, 21, 30, 31, 40, 41]);
  const rows = { shape: [16, 3], data: Float32Array.from({ length: 48 }, (_, i) => i) };
  assert.deepEqual(deinterleaveRopeRows(interleaveRopeRows(rows, 2), 2), rows);
});

test('llama GGUF: only configs llama.cpp\'s llama graph computes the same way are exported', () => {
  const mixtral = {
    normPlacement: 'pre', expertActivation: 'swiglu', routerRenormalize: true, embeddingMultiplier: 1, outputMultiplier: 1, attentionSoftcap: 0, routerSoftcap: 0, headDim: 128,
    attentionScale: 1 / Math.sqrt(128), qkNorm: 'none', attentionBias: false, residualMultiplier: 1, sharedExpertFfnSize: 0, sharedExpertGate: false,
    attentionOutputBias: false, attentionSinks: false, slidingWindow: 0, expertBias: false, ropeScalingFactor: 1, denseLayerIds: [] as number[],
  } as ModelConfig;
  assert.equal(llama.mismatch(mixtral), undefined);
  for (const change of [{ routerRenormalize: false }, { attentionSoftcap: 30 }, { attentionScale: 0.5 }, { expertActivation: 'geglu' }, { embeddingMultiplier: 2 }] as Partial<ModelConfig>[]) {
    assert.match(llama.mismatch({ ...mixtral, ...change }) ?? '', /llama architecture needs pre-norm SwiGLU/, JSON.stringify(change));
  }
  // Other families' parts: llama.cpp's llama graph has none of them.
  for (const [change, field] of [[{ qkNorm: 'head' }, 'qk_norm'], [{ attentionBias: true }, 'attention_bias'], [{ residualMultiplier: 0.5 }, 'residual_multiplier'], [{ sharedExpertFfnSize: 8 }, 'shared_expert_intermediate_size']] as const) {
    assert.match(llama.mismatch({ ...mixtral, ...change }) ?? '', new RegExp(`llama architecture computes another model for ${field}`), field);
  }
});
