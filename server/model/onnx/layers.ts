/**
 * Decoder building blocks shared by the architectures under `arch/`, each lowered to ONNX Runtime ops that are
 * exact on every execution provider (contrib ops where a CPU kernel exists, standard ops otherwise).
 */
import { ElementType, GraphBuilder } from './graph-builder';
import { transpose2d, type FloatTensor } from '../tensor';
import { quantBits, quantBlockSize, quantizeRows, toMatMulNBits, type QuantType } from '../quant';

/** RMSNorm in float32 over the last axis: x / sqrt(mean(x²) + eps) * weight. */
export function rmsNorm(g: GraphBuilder, name: string, x: string, weight: string, eps: number): string {
  return g.op('SimplifiedLayerNormalization', name, [x, weight], { axis: { i: -1 }, epsilon: { f: eps }, stash_type: { i: 1 } });
}

/**
 * MatMulNBits' `accuracy_level`: 0 computes in float32 with the dequantized weights d·q (exactly what llama.cpp's
 * file holds); 4 would quantize the activations to int8 as well.
 */
export const matMulNBitsAccuracyLevel = 0;

/**
 * x · Wᵀ for a bias-free linear layer whose weight is stored `[out, in]` (the PyTorch layout); with `quant` int8 or
 * int4 the weight is block-quantized (llama.cpp Q8_0 / Q4_0, see `quant.ts`) into one MatMulNBits node.
 */
export function linear(g: GraphBuilder, name: string, x: string, weightName: string, weight: FloatTensor, quant: QuantType = 'none'): string {
  if (quant === 'none') return g.op('MatMul', `${name}/MatMul`, [x, g.weight(weightName, transpose2d(weight))]);
  const { n, k, bits, packed, scales } = toMatMulNBits(quantizeRows(weight, quantBits(quant), weightName));
  const blocks = k / quantBlockSize;
  const b = g.uint8Weight(`${weightName}.q${bits}`, packed, [n, blocks, (quantBlockSize * bits) / 8]);
  const s = g.weight(`${weightName}.scales`, { shape: [n * blocks], data: scales });
  return g.op('MatMulNBits', `${name}/MatMulNBits`, [x, b, s], { K: { i: k }, N: { i: n }, bits: { i: bits }, block_size: { i: quantBlockSize }, accuracy_level: { i: matMulNBitsAccuracyLevel } }, { domain: 'com.microsoft' });
}

/** c · tanh(x / c). */
export function softcap(g: GraphBuilder, name: string, x: string, cap: number): string {
  const scaled = g.op('Mul', `${name}/Scale`, [x, g.floats([1 / cap])]);
  return g.op('Mul', `${name}/Cap`, [g.op('Tanh', `${name}/Tanh`, [scaled]), g.floats([cap])]);
}

/** Inputs GroupQueryAttention derives from the `[batch, total]` attention mask. */
export interface AttentionLengths {
  /** Per sequence, index of its last valid position (int32 `[batch]`). */
  seqlensK: string;
  /** Past plus new length (int32 scalar). */
  totalSequenceLength: string;
}

export function attentionLengths(g: GraphBuilder, attentionMask: string): AttentionLengths {
  const valid = g.op('ReduceSum', '/attn_mask/ReduceSum', [attentionMask, g.int64s([1])], { keepdims: { i: 0 } });
  const lastIndex = g.op('Sub', '/attn_mask/Sub', [valid, g.int64s([1], [])]);
  const seqlensK = g.op('Cast', '/attn_mask/seqlens_k', [lastIndex], { to: { i: ElementType.int32 } });
  const total = g.op('Gather', '/attn_mask/Gather', [g.op('Shape', '/attn_mask/Shape', [attentionMask]), g.int64s([1], [])], { axis: { i: 0 } });
  const totalSequenceLength = g.op('Cast', '/attn_mask/total_seq_len', [total], { to: { i: ElementType.int32 } });
  return { seqlensK, totalSequenceLength };
}

/** cos/sin tables `[positions, headDim/2]` for rotate-half RoPE over the full head dimension. */
export function rotaryCaches(g: GraphBuilder, headDim: number, positions: number, base: number): { cos: string; sin: string } {
  const half = headDim / 2;
  const cos = new Float32Array(positions * half);
  const sin = new Float32Array(positions * half);
  for (let p = 0; p < positions; p++) {
    for (let i = 0; i < half; i++) {
      const angle = p * Math.pow(base, (-2 * i) / headDim);
      cos[p * half + i] = Math.cos(angle);
      sin[p * half + i] = Math.sin(angle);
    }
  }
  return { cos: g.weight('rotary.cos_cache', { shape: [positions, half], data: cos }), sin: g.weight('rotary.sin_cache', { shape: [positions, half], data: sin }) };
}

export interface AttentionSpec {
  numHeads: number;
  numKvHeads: number;
  scale: number;
  /** 0 for none. */
  softcap: number;
}

/**
 * Causal grouped-query attention with RoPE and a KV cache, as one GroupQueryAttention node; `q`, `k`, `v` are
 * `[batch, seq, heads * headDim]`. The node's own `softcap` computes c·tanh(s·scale/c) before the softmax.
 * Returns the attention output; the present key/value become graph outputs named `presentKey`/`presentValue`.
 */
export function groupQueryAttention(
  g: GraphBuilder,
  name: string,
  qkv: { q: string; k: string; v: string },
  past: { key: string; value: string },
  present: { key: string; value: string },
  lengths: AttentionLengths,
  rotary: { cos: string; sin: string },
  spec: AttentionSpec,
): string {
  const [output] = g.node(
    'GroupQueryAttention',
    name,
    [qkv.q, qkv.k, qkv.v, past.key, past.value, lengths.seqlensK, lengths.totalSequenceLength, rotary.cos, rotary.sin],
    {
      num_heads: { i: spec.numHeads },
      kv_num_heads: { i: spec.numKvHeads },
      scale: { f: spec.scale },
      softcap: { f: spec.softcap },
      do_rotary: { i: 1 },
      rotary_interleaved: { i: 0 },
    },
    { domain: 'com.microsoft', outputNames: [`${name}/output_0`, present.key, present.value] },
  );
  return output;
}

export interface ExpertWeights {
  /** Router `[experts, hidden]`. */
  router: FloatTensor;
  /** Per expert `[ffn, hidden]`: the activated branch, the linear branch, and `[hidden, ffn]` down projection. */
  gate: FloatTensor[];
  up: FloatTensor[];
  down: FloatTensor[];
}

export interface MixtureSpec {
  topK: number;
  activation: 'geglu' | 'swiglu';
  geluApproximation: 'tanh' | 'none';
  renormalize: boolean;
  /** 0 for none. */
  routerSoftcap: number;
}

function stackTransposed(tensors: FloatTensor[]): FloatTensor {
  const [rows, cols] = tensors[0].shape;
  const out = new Float32Array(tensors.length * rows * cols);
  tensors.forEach((tensor, e) => out.set(transpose2d(tensor).data, e * rows * cols));
  return { shape: [tensors.length, cols, rows], data: out };
}

/**
 * A top-k mixture of gated experts, lowered exactly to standard ops because ONNX Runtime's CPU MoE kernel has no
 * separate-gate (GeGLU) form. Every expert is evaluated densely as one batched MatMul over `[experts, tokens]`,
 * and a gate matrix that is zero outside each token's top-k selects and weights their outputs:
 *   p = softmax(cap(x Wrᵀ)); (v, i) = topk(p); G = scatter(0, i, v [/ sum v]); y = Σₑ G[:, e] · downₑ(act(gateₑ x) · upₑ x)
 * For a few experts this costs experts/topK times the FLOPs of a sparse dispatch but no weight copies and only
 * a handful of kernels, which on CPU beats gathering each token's expert matrices; the selected experts' sum is
 * bit-for-bit the dense formula's, since the other gates are exactly zero.
 */
export function mixtureOfExperts(g: GraphBuilder, name: string, x: string, hidden: number, weightPrefix: string, weights: ExpertWeights, spec: MixtureSpec): string {
  const tokens = g.op('Reshape', `${name}/flatten`, [x, g.int64s([-1, hidden])]);
  let routerLogits = g.op('MatMul', `${name}/router/MatMul`, [tokens, g.weight(`${weightPrefix}.router`, transpose2d(weights.router))]);
  if (spec.routerSoftcap > 0) routerLogits = softcap(g, `${name}/router/softcap`, routerLogits, spec.routerSoftcap);
  const probabilities = g.op('Softmax', `${name}/router/Softmax`, [routerLogits], { axis: { i: -1 } });
  const [topValues, topIndices] = g.node('TopK', `${name}/router/TopK`, [probabilities, g.int64s([spec.topK])], { axis: { i: -1 } }, { outputs: 2 });
  const routing = spec.renormalize
    ? g.op('Div', `${name}/router/renormalize`, [topValues, g.op('ReduceSum', `${name}/router/ReduceSum`, [topValues, g.int64s([-1])], { keepdims: { i: 1 } })])
    : topValues;
  const zeros = g.op('ConstantOfShape', `${name}/router/zeros`, [g.op('Shape', `${name}/router/Shape`, [probabilities])]);
  const gates = g.op('ScatterElements', `${name}/router/gates`, [zeros, topIndices, routing], { axis: { i: 1 } });
  const gatesPerExpert = g.op('Unsqueeze', `${name}/router/gates_unsqueeze`, [g.op('Transpose', `${name}/router/gates_transpose`, [gates], { perm: { ints: [1, 0] } }), g.int64s([2])]);

  const gateProjection = g.op('MatMul', `${name}/experts/gate/MatMul`, [tokens, g.weight(`${weightPrefix}.experts.gate`, stackTransposed(weights.gate))]);
  const upProjection = g.op('MatMul', `${name}/experts/up/MatMul`, [tokens, g.weight(`${weightPrefix}.experts.up`, stackTransposed(weights.up))]);
  const activated =
    spec.activation === 'geglu'
      ? g.op('Gelu', `${name}/experts/Gelu`, [gateProjection], { approximate: { s: spec.geluApproximation } })
      : g.op('Mul', `${name}/experts/Silu`, [gateProjection, g.op('Sigmoid', `${name}/experts/Sigmoid`, [gateProjection])]);
  const inner = g.op('Mul', `${name}/experts/gated`, [activated, upProjection]);
  const expertOutputs = g.op('MatMul', `${name}/experts/down/MatMul`, [inner, g.weight(`${weightPrefix}.experts.down`, stackTransposed(weights.down))]);
  const weighted = g.op('Mul', `${name}/combine/Mul`, [expertOutputs, gatesPerExpert]);
  const combined = g.op('ReduceSum', `${name}/combine/ReduceSum`, [weighted, g.int64s([0])], { keepdims: { i: 0 } });
  return g.op('Reshape', `${name}/unflatten`, [combined, g.op('Shape', `${name}/Shape`, [x])]);
}

/**
 * Logits from the tied token embedding `[vocab, hidden]`: one Gemm with transB reads the embedding table in place
 * (no transposed copy) and folds the output multiplier into alpha.
 */
export function tiedOutput(g: GraphBuilder, name: string, x: string, embedding: string, hidden: number, vocab: number, inputIds: string, multiplier: number): string {
  const rows = g.op('Reshape', `${name}/flatten`, [x, g.int64s([-1, hidden])]);
  const logits = g.op('Gemm', `${name}/Gemm`, [rows, embedding], { transB: { i: 1 }, alpha: { f: multiplier } });
  const shape = g.op('Concat', `${name}/shape`, [g.op('Shape', `${name}/ids_shape`, [inputIds]), g.int64s([vocab])], { axis: { i: 0 } });
  return g.op('Reshape', `${name}/unflatten`, [logits, shape], {}, { outputNames: ['logits'] });
}
