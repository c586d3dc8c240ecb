/**
 * Decoder building blocks shared by the architectures under `arch/`, each lowered to ONNX Runtime ops that are
 * exact on every execution provider (contrib ops where a CPU kernel exists, standard ops otherwise).
 */
import { ElementType, GraphBuilder } from './graph-builder';
import { transpose2d, type FloatTensor } from '../tensor';
import { matMulNBitsAccuracyLevel, quantBits, quantBlockSize, quantizeRows, toMatMulNBits, type QuantOptions } from '../quant';

/** RMSNorm in float32 over the last axis: x / sqrt(mean(x²) + eps) * weight. */
export function rmsNorm(g: GraphBuilder, name: string, x: string, weight: string, eps: number): string {
  return g.op('SimplifiedLayerNormalization', name, [x, weight], { axis: { i: -1 }, epsilon: { f: eps }, stash_type: { i: 1 } });
}

/**
 * x · Wᵀ for a bias-free linear layer whose weight is stored `[out, in]` (the PyTorch layout); with `quant` int8 or
 * int4 the weight is block-quantized (llama.cpp Q8_0 / Q4_0, see `quant.ts`) into one MatMulNBits node.
 */
export function linear(g: GraphBuilder, name: string, x: string, weightName: string, weight: FloatTensor, options: QuantOptions = {}): string {
  const { quant = 'none', activations = 'int8' } = options;
  if (quant === 'none') return g.op('MatMul', `${name}/MatMul`, [x, g.weight(weightName, transpose2d(weight))]);
  const { n, k, bits, packed, scales } = toMatMulNBits(quantizeRows(weight, quantBits(quant), weightName));
  const blocks = k / quantBlockSize;
  const b = g.uint8Weight(`${weightName}.q${bits}`, packed, [n, blocks, (quantBlockSize * bits) / 8]);
  const s = g.weight(`${weightName}.scales`, { shape: [n * blocks], data: scales });
  const attributes = { K: { i: k }, N: { i: n }, bits: { i: bits }, block_size: { i: quantBlockSize }, accuracy_level: { i: matMulNBitsAccuracyLevel[activations] } };
  return g.op('MatMulNBits', `${name}/MatMulNBits`, [x, b, s], attributes, { domain: 'com.microsoft' });
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

/**
 * A top-k mixture of gated experts, lowered exactly to standard ops because ONNX Runtime's CPU MoE kernel has no
 * separate-gate (GeGLU) form. Dispatch is sparse: each expert runs its MLP on only the token rows routed to it
 * (none is fine: the MatMuls see zero rows) and its gated output is added into those rows:
 *   p = softmax(cap(x Wrᵀ)); (v, i) = topk(p) [v /= Σv]; for each e: r = {t : e ∈ i[t]}; y[r] += v[r, e] · downₑ(act(gateₑ x[r]) · upₑ x[r])
 * Every expert projection is a `linear` on that expert's own constant `[out, in]` weight, so no weight is copied
 * per token and only the routed experts' weights are read. It replaced a dense form (all experts on every token as
 * one batched MatMul, zero gates outside the top-k) because it wins at every shape measured: on the engine bench's
 * 54 MB model, 1 thread, 8 experts top-2, decode 222 vs 63 tok/s and prompt 2679 vs 952 tok/s (128 tokens),
 * 1323 vs 750 (1024 tokens) — dense does experts/topK times the expert FLOPs and reads every expert's weights,
 * which the extra small kernels per expert do not come close to. `quant` quantizes the expert projections (the
 * router stays float32, as llama.cpp keeps `ffn_gate_inp`).
 */
export function mixtureOfExperts(g: GraphBuilder, name: string, x: string, hidden: number, weightPrefix: string, weights: ExpertWeights, spec: MixtureSpec, quant: QuantOptions = {}): string {
  const tokens = g.op('Reshape', `${name}/flatten`, [x, g.int64s([-1, hidden])]);
  let routerLogits = g.op('MatMul', `${name}/router/MatMul`, [tokens, g.weight(`${weightPrefix}.router`, transpose2d(weights.router))]);
  if (spec.routerSoftcap > 0) routerLogits = softcap(g, `${name}/router/softcap`, routerLogits, spec.routerSoftcap);
  const probabilities = g.op('Softmax', `${name}/router/Softmax`, [routerLogits], { axis: { i: -1 } });
  const [topValues, topIndices] = g.node('TopK', `${name}/router/TopK`, [probabilities, g.int64s([spec.topK])], { axis: { i: -1 } }, { outputs: 2 });
  const routing = spec.renormalize
    ? g.op('Div', `${name}/router/renormalize`, [topValues, g.op('ReduceSum', `${name}/router/ReduceSum`, [topValues, g.int64s([-1])], { keepdims: { i: 1 } })])
    : topValues;

  let combined = g.op('ConstantOfShape', `${name}/combine/zeros`, [g.op('Shape', `${name}/combine/Shape`, [tokens])]);
  weights.gate.forEach((gateWeight, e) => {
    const expert = `${name}/experts.${e}`;
    // [2, routed] (token, slot) pairs whose top-k slot chose this expert; a token picks each expert at most once.
    const picks = g.op('NonZero', `${expert}/picks`, [g.op('Equal', `${expert}/Equal`, [topIndices, g.int64s([e], [])])]);
    const slots = g.op('Transpose', `${expert}/slots`, [picks], { perm: { ints: [1, 0] } });
    const rowIndices = g.op('Gather', `${expert}/rows`, [picks, g.int64s([0], [])], { axis: { i: 0 } });
    const rows = g.op('Gather', `${expert}/Gather`, [tokens, rowIndices], { axis: { i: 0 } });
    const gateProjection = linear(g, `${expert}/gate`, rows, `${weightPrefix}.experts.${e}.gate`, gateWeight, quant);
    const upProjection = linear(g, `${expert}/up`, rows, `${weightPrefix}.experts.${e}.up`, weights.up[e], quant);
    const activated =
      spec.activation === 'geglu'
        ? g.op('Gelu', `${expert}/Gelu`, [gateProjection], { approximate: { s: spec.geluApproximation } })
        : g.op('Mul', `${expert}/Silu`, [gateProjection, g.op('Sigmoid', `${expert}/Sigmoid`, [gateProjection])]);
    const inner = g.op('Mul', `${expert}/gated`, [activated, upProjection]);
    const output = linear(g, `${expert}/down`, inner, `${weightPrefix}.experts.${e}.down`, weights.down[e], quant);
    const gate = g.op('Unsqueeze', `${expert}/gate_unsqueeze`, [g.op('GatherND', `${expert}/gate_values`, [routing, slots]), g.int64s([1])]);
    const weighted = g.op('Mul', `${expert}/weighted`, [output, gate]);
    const scatterIndices = g.op('Unsqueeze', `${expert}/scatter_indices`, [rowIndices, g.int64s([1])]);
    combined = g.op('ScatterND', `${expert}/ScatterND`, [combined, scatterIndices, weighted], { reduction: { s: 'add' } });
  });
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
