/**
 * Decoder building blocks shared by the architectures under `arch/`, each lowered to ONNX Runtime ops that are
 * exact on every execution provider (contrib ops where a CPU kernel exists, standard ops otherwise).
 */
import { ElementType, GraphBuilder } from './graphBuilder';
import { transpose2d, type FloatTensor } from '../tensor';
import { matMulNBitsAccuracyLevel, quantBits, quantBlockSize, quantizeRows, toMatMulNBits, type QuantOptions } from '../quant';

/** RMSNorm in float32 over the last axis: x / sqrt(mean(x²) + eps) * weight. */
export function rmsNorm(g: GraphBuilder, name: string, x: string, weight: string, eps: number): string {
  return g.op('SimplifiedLayerNormalization', name, [x, weight], { axis: { i: -1 }, epsilon: { f: eps }, stash_type: { i: 1 } });
}

/**
 * RMSNorm of each `headDim`-wide head of `x` `[batch, seq, heads * headDim]` with one `[headDim]` weight shared by
 * the heads (Qwen3's q/k norm): the heads become the last axis for the norm, then are flattened back.
 */
export function headRmsNorm(g: GraphBuilder, name: string, x: string, weight: string, headDim: number, eps: number): string {
  const heads = g.op('Reshape', `${name}/split_heads`, [x, g.int64s([0, 0, -1, headDim])]);
  const normed = rmsNorm(g, name, heads, weight, eps);
  return g.op('Reshape', `${name}/merge_heads`, [normed, g.int64s([0, 0, -1])]);
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

/** The weight names of a gated MLP's three projections. */
export interface GatedMlpNames {
  gate: string;
  up: string;
  down: string;
}

/**
 * A gated MLP, down(act(gate x) · up x), on `[..., hidden]`: one routed expert, or a shared expert every token runs;
 * every projection is a `linear` on its own weight (`[ffn, hidden]` gate and up, `[hidden, ffn]` down).
 */
export function gatedMlp(
  g: GraphBuilder,
  name: string,
  x: string,
  names: GatedMlpNames,
  weights: { gate: FloatTensor; up: FloatTensor; down: FloatTensor },
  activation: MixtureSpec['activation'],
  geluApproximation: MixtureSpec['geluApproximation'],
  quant: QuantOptions,
): string {
  const gateProjection = linear(g, `${name}/gate`, x, names.gate, weights.gate, quant);
  const upProjection = linear(g, `${name}/up`, x, names.up, weights.up, quant);
  const activated =
    activation === 'geglu'
      ? g.op('Gelu', `${name}/Gelu`, [gateProjection], { approximate: { s: geluApproximation } })
      : g.op('Mul', `${name}/Silu`, [gateProjection, g.op('Sigmoid', `${name}/Sigmoid`, [gateProjection])]);
  const inner = g.op('Mul', `${name}/gated`, [activated, upProjection]);
  return linear(g, `${name}/down`, inner, names.down, weights.down, quant);
}

/** Routed expert `e`'s MLP on the rows dispatched to it. */
function expertMlp(g: GraphBuilder, name: string, rows: string, weightPrefix: string, weights: ExpertWeights, e: number, spec: MixtureSpec, quant: QuantOptions): string {
  const names = { gate: `${weightPrefix}.experts.${e}.gate`, up: `${weightPrefix}.experts.${e}.up`, down: `${weightPrefix}.experts.${e}.down` };
  return gatedMlp(g, name, rows, names, { gate: weights.gate[e], up: weights.up[e], down: weights.down[e] }, spec.activation, spec.geluApproximation, quant);
}

/**
 * A top-k mixture of gated experts, lowered exactly to standard ops because ONNX Runtime's CPU MoE kernel has no
 * separate-gate (GeGLU) form:
 *   p = softmax(cap(x Wrᵀ)); (v, i) = topk(p) [v /= Σv]; y[t] = Σⱼ v[t, j] · downₑ(act(gateₑ x[t]) · upₑ x[t]) with e = i[t, j]
 * Dispatch is sparse: the (token, slot) pairs are sorted by expert so each expert runs its MLP once, on only the
 * rows routed to it (none is fine: its MatMuls see zero rows), on its own constant `[out, in]` weights (no weight
 * copies; only routed experts' weights are read). The outputs are put back in slot order, weighted and summed
 * per token. Measured on the embedded model's shape (1 thread, 8 experts top-2, medians of 7 interleaved runs,
 * tok/s), against the dense form (all experts on every token, one batched MatMul, zero gates outside the top-k)
 * and a per-expert NonZero/ScatterND dispatch (~15 nodes per expert, this one ~5):
 *   decode after 128 / 1024 prompt tokens: dense 130 / 102, per-expert 201 / 118, sorted 285 / 168;
 *   1024-token prompt: dense 934, per-expert 1403, sorted 1458.
 * Dense does experts/topK times the expert FLOPs and reads every expert's weights; at decode, node count (each
 * kernel's fixed cost) is what remains, hence one sort for all experts rather than bookkeeping per expert.
 * `quant` quantizes the expert projections (the router stays float32, as llama.cpp keeps `ffn_gate_inp`).
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

  // Slot s = t·k + j holds token t's j-th expert; `bySlot` lists the slots sorted by expert.
  const slotExperts = g.op('Reshape', `${name}/dispatch/slot_experts`, [topIndices, g.int64s([-1])]);
  const slotCount = g.op('Shape', `${name}/dispatch/slot_count`, [slotExperts]);
  const ascending = { axis: { i: 0 }, largest: { i: 0 }, sorted: { i: 1 } };
  const [, bySlot] = g.node('TopK', `${name}/dispatch/sort`, [slotExperts, slotCount], ascending, { outputs: 2 });
  const sortedTokens = g.op('Div', `${name}/dispatch/sorted_tokens`, [bySlot, g.int64s([spec.topK], [])]);
  const sortedRows = g.op('Gather', `${name}/dispatch/Gather`, [tokens, sortedTokens], { axis: { i: 0 } });
  const experts = weights.gate.map((_, e) => e);
  const isExpert = g.op('Equal', `${name}/dispatch/Equal`, [g.op('Unsqueeze', `${name}/dispatch/Unsqueeze`, [slotExperts, g.int64s([1])]), g.int64s(experts)]);
  const rowsPerExpert = g.op('ReduceSum', `${name}/dispatch/rows_per_expert`, [g.op('Cast', `${name}/dispatch/Cast`, [isExpert], { to: { i: ElementType.int64 } }), g.int64s([0])], { keepdims: { i: 0 } });
  const expertRows = g.node('Split', `${name}/dispatch/Split`, [sortedRows, rowsPerExpert], { axis: { i: 0 } }, { outputs: experts.length });

  const sortedOutputs = g.op(
    'Concat',
    `${name}/combine/Concat`,
    expertRows.map((rows, e) => expertMlp(g, `${name}/experts.${e}`, rows, weightPrefix, weights, e, spec, quant)),
    { axis: { i: 0 } },
  );
  const [, unsort] = g.node('TopK', `${name}/combine/unsort`, [bySlot, slotCount], ascending, { outputs: 2 });
  const slotOutputs = g.op('Reshape', `${name}/combine/slots`, [g.op('Gather', `${name}/combine/Gather`, [sortedOutputs, unsort], { axis: { i: 0 } }), g.int64s([-1, spec.topK, hidden])]);
  const weighted = g.op('Mul', `${name}/combine/Mul`, [slotOutputs, g.op('Unsqueeze', `${name}/combine/gates`, [routing, g.int64s([2])])]);
  const combined = g.op('ReduceSum', `${name}/combine/ReduceSum`, [weighted, g.int64s([1])], { keepdims: { i: 0 } });
  return g.op('Reshape', `${name}/unflatten`, [combined, g.op('Shape', `${name}/Shape`, [x])]);
}

/**
 * Logits from the tied token embedding `[vocab, hidden]`: one Gemm with transB reads the embedding table in place
 * (no transposed copy) and folds the output multiplier into alpha.
 */
export function tiedOutput(g: GraphBuilder, name: string, x: string, embedding: string, hidden: number, vocab: number, multiplier: number): string {
  const rows = g.op('Reshape', `${name}/flatten`, [x, g.int64s([-1, hidden])]);
  const logits = g.op('Gemm', `${name}/Gemm`, [rows, embedding], { transB: { i: 1 }, alpha: { f: multiplier } });
  const shape = g.op('Concat', `${name}/shape`, [g.op('Shape', `${name}/rows_shape`, [x], { end: { i: -1 } }), g.int64s([vocab])], { axis: { i: 0 } });
  return g.op('Reshape', `${name}/unflatten`, [logits, shape], {}, { outputNames: ['logits'] });
}
