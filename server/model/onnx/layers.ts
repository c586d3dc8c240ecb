/**
 * Decoder building blocks shared by the architectures under `arch/`, each lowered to ONNX Runtime ops that are
 * exact on every execution provider (contrib ops where a CPU kernel exists, standard ops otherwise).
 */
import { ElementType, GraphBuilder, type Attribute } from './graphBuilder';
import { stack, transpose2d, type FloatTensor } from '../tensor';
import { matMulNBitsAccuracyLevel, quantBits, quantBlockSize, type QuantOptions, type QuantType } from '../quant';
import { exactForm, matMulNBitsWeight, type ExactForm } from '../gguf/exactBlocks';
import { weightQuant } from '../gguf/nearestQuant';
import type { ModelConfig } from '../config';

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
 * x · Wᵀ for a bias-free linear layer whose weight is stored `[out, in]` (the PyTorch layout); quantized (as
 * `options.quant` gives this weight: `gguf/nearestQuant.ts`) into one MatMulNBits node, the GGUF file's own blocks
 * where they fit (`gguf/exactBlocks.ts`), else blocks of llama.cpp's Q8_0 / Q4_0 (see `quant.ts`).
 */
export function linear(g: GraphBuilder, name: string, x: string, weightName: string, weight: FloatTensor, options: QuantOptions = {}): string {
  const { quant, activations = 'int8' } = options;
  const type = weightQuant(weight, quant);
  if (type === 'none') return g.op('MatMul', `${name}/MatMul`, [x, g.weight(weightName, transpose2d(weight))]);
  const { n, k, bits, blockSize, packed, scales, blockOffsets } = matMulNBitsWeight(weight, quantBits(type), weightName);
  const blocks = k / blockSize;
  const b = g.uint8Weight(`${weightName}.q${bits}`, packed, [n, blocks, (blockSize * bits) / 8]);
  const s = g.weight(`${weightName}.scales`, { shape: [n * blocks], data: scales });
  const attributes = { K: { i: k }, N: { i: n }, bits: { i: bits }, block_size: { i: blockSize }, accuracy_level: { i: matMulNBitsAccuracyLevel[activations] } };
  const product = g.op('MatMulNBits', `${name}/MatMulNBits`, [x, b, s], attributes, { domain: 'com.microsoft' });
  if (!blockOffsets) return product;
  // Blocks with offsets (Q4_K, Q5_K): minus each block's sum of x times its offset, a product 1/blockSize the size.
  const blockSums = g.op('ReduceSum', `${name}/block_sums`, [g.op('Reshape', `${name}/blocks`, [x, g.int64s([-1, blocks, blockSize])]), g.int64s([-1])], { keepdims: { i: 0 } });
  const offsets = g.op('MatMul', `${name}/block_offsets`, [blockSums, g.weight(`${weightName}.block_offsets`, { shape: [blocks, n], data: blockOffsets })]);
  return g.op('Sub', `${name}/minus_offsets`, [product, g.op('Reshape', `${name}/offsets_shape`, [offsets, g.op('Shape', `${name}/Shape`, [product])])]);
}

/** c · tanh(x / c), its result named `outputName` where given. */
export function softcap(g: GraphBuilder, name: string, x: string, cap: number, outputName?: string): string {
  const scaled = g.op('Mul', `${name}/Scale`, [x, g.floats([1 / cap])]);
  return g.op('Mul', `${name}/Cap`, [g.op('Tanh', `${name}/Tanh`, [scaled]), g.floats([cap])], {}, outputName ? { outputNames: [outputName] } : {});
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

/** YaRN's stretch of RoPE (the factor, the trained context, beta_fast and beta_slow); a factor of 1 is plain RoPE. */
export interface RopeScaling {
  factor: number;
  originalContext: number;
  betaFast: number;
  betaSlow: number;
  /** Round the ramp's ends outwards to whole dims. */
  truncate: boolean;
  /** The factor on cos and sin; absent or 0 for YaRN's own 0.1·ln(factor) + 1. */
  attentionFactor?: number;
}

/**
 * Per rotated pair i of a head, its inverse frequency, and the factor on cos and sin. Plain RoPE: base^(-2i/d), 1. YaRN
 * (as transformers computes it): dims that turn fewer than beta_slow times over the trained context are interpolated
 * (frequency / factor), those turning more than beta_fast times kept, a linear ramp between (its ends rounded outwards
 * with `truncate`, as llama.cpp always does); cos and sin are scaled by 0.1·ln(factor) + 1.
 */
export function ropeFrequencies(headDim: number, base: number, scaling?: RopeScaling): { inverse: Float64Array; attentionFactor: number } {
  const half = headDim / 2;
  const inverse = Float64Array.from({ length: half }, (_, i) => Math.pow(base, (-2 * i) / headDim));
  if (!scaling || scaling.factor === 1) return { inverse, attentionFactor: 1 };
  const { factor, originalContext, betaFast, betaSlow, truncate } = scaling;
  const correctionDim = (rotations: number) => (headDim * Math.log(originalContext / (rotations * 2 * Math.PI))) / (2 * Math.log(base));
  const [fast, slow] = [correctionDim(betaFast), correctionDim(betaSlow)];
  const low = Math.max(truncate ? Math.floor(fast) : fast, 0);
  let high = Math.min(truncate ? Math.ceil(slow) : slow, headDim - 1);
  if (low === high) high += 0.001;
  for (let i = 0; i < half; i++) {
    const extrapolated = 1 - Math.min(Math.max((i - low) / (high - low), 0), 1);
    inverse[i] = (inverse[i] / factor) * (1 - extrapolated) + inverse[i] * extrapolated;
  }
  return { inverse, attentionFactor: scaling.attentionFactor || 0.1 * Math.log(factor) + 1 };
}

/** cos/sin tables `[positions, headDim/2]` for rotate-half RoPE over the full head dimension, YaRN-scaled if asked. */
export function rotaryCaches(g: GraphBuilder, headDim: number, positions: number, base: number, scaling?: RopeScaling): { cos: string; sin: string } {
  const half = headDim / 2;
  const { inverse, attentionFactor } = ropeFrequencies(headDim, base, scaling);
  const cos = new Float32Array(positions * half);
  const sin = new Float32Array(positions * half);
  for (let p = 0; p < positions; p++) {
    for (let i = 0; i < half; i++) {
      const angle = p * inverse[i];
      cos[p * half + i] = Math.cos(angle) * attentionFactor;
      sin[p * half + i] = Math.sin(angle) * attentionFactor;
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
  /** Attend to this many latest positions only (itself included); absent for all. */
  window?: number;
  /** `[numHeads]` sink logits joining each head's softmax denominator (gpt-oss); absent for none. */
  sinks?: string;
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
  rotary: { cos: string; sin: string } | undefined,
  spec: AttentionSpec,
): string {
  // Inputs 9 and 10 (position ids, attention bias) are left out; 11 is the head sink. Without `rotary` (q and k
  // rotated already) the cos/sin inputs are left out too.
  const sinks = spec.sinks ? ['', '', spec.sinks] : [];
  const tables = rotary ? [rotary.cos, rotary.sin] : sinks.length > 0 ? ['', ''] : [];
  const [output] = g.node(
    'GroupQueryAttention',
    name,
    [qkv.q, qkv.k, qkv.v, past.key, past.value, lengths.seqlensK, lengths.totalSequenceLength, ...tables, ...sinks],
    {
      num_heads: { i: spec.numHeads },
      kv_num_heads: { i: spec.numKvHeads },
      scale: { f: spec.scale },
      softcap: { f: spec.softcap },
      do_rotary: { i: rotary ? 1 : 0 },
      rotary_interleaved: { i: 0 },
      ...(spec.window ? { local_window_size: { i: spec.window } } : {}),
    },
    { domain: 'com.microsoft', outputNames: [`${name}/output_0`, present.key, present.value] },
  );
  return output;
}

/**
 * Each new position's index in its sequence, `[batch, seq]` int64: the positions before it (GroupQueryAttention's
 * seqlens_k + 1 - seq, as its own rotary counts them) plus 0..seq-1.
 */
export function positionIds(g: GraphBuilder, lengths: AttentionLengths, inputIds: string): string {
  const seq = g.op('Gather', '/positions/seq_len', [g.op('Shape', '/positions/Shape', [inputIds]), g.int64s([1], [])], { axis: { i: 0 } });
  const valid = g.op('Add', '/positions/valid', [g.op('Cast', '/positions/Cast', [lengths.seqlensK], { to: { i: ElementType.int64 } }), g.int64s([1], [])]);
  const start = g.op('Sub', '/positions/start', [valid, seq]);
  const offsets = g.op('Range', '/positions/Range', [g.int64s([0], []), seq, g.int64s([1], [])]);
  return g.op('Add', '/positions/ids', [g.op('Unsqueeze', '/positions/start_column', [start, g.int64s([1])]), g.op('Unsqueeze', '/positions/offset_row', [offsets, g.int64s([0])])]);
}

/**
 * Grok-2's attention temperature for the queries at `positions` (`positionIds`), `[batch, seq, 1]`: log2(p) / log2(L)
 * past position L, else 1, from a table of `contextLength` entries. Multiplying the queries by it multiplies their
 * attention logits before the soft-cap, as xAI's kernels do (RoPE is linear, so scaling before it is the same).
 */
export function attentionTemperature(g: GraphBuilder, positions: string, contextLength: number, length: number): string {
  const table = Float32Array.from({ length: contextLength }, (_, p) => (p > length ? Math.log2(p) / Math.log2(length) : 1));
  const perPosition = g.op('Gather', '/attn_temperature/Gather', [g.weight('attn_temperature', { shape: [contextLength], data: table }), positions], { axis: { i: 0 } });
  return g.op('Unsqueeze', '/attn_temperature/Unsqueeze', [perPosition, g.int64s([2])]);
}

/** cos and sin of each rotated pair at each position: `[batch, seq, 1, ropeDim/2, 1]`, to broadcast over heads and a pair's two members. */
export interface PairRotation {
  cos: string;
  sin: string;
}

/**
 * The rotation of RoPE on interleaved pairs (x[2i], x[2i+1]) over `ropeDim` dims (DeepSeek's; llama.cpp's `norm` rope
 * type) for the positions `positions` (`positionIds`): tables `[contextLength, ropeDim/2]` of `ropeFrequencies`,
 * scaled by its attention factor, gathered per position.
 */
export function pairRotation(g: GraphBuilder, positions: string, ropeDim: number, contextLength: number, base: number, scaling?: RopeScaling): PairRotation {
  const half = ropeDim / 2;
  const { inverse, attentionFactor } = ropeFrequencies(ropeDim, base, scaling);
  const cos = new Float32Array(contextLength * half);
  const sin = new Float32Array(contextLength * half);
  for (let p = 0; p < contextLength; p++) {
    for (let i = 0; i < half; i++) {
      cos[p * half + i] = Math.cos(p * inverse[i]) * attentionFactor;
      sin[p * half + i] = Math.sin(p * inverse[i]) * attentionFactor;
    }
  }
  const gathered = (label: 'cos' | 'sin', table: Float32Array) => {
    const weight = g.weight(`rotary.pair_${label}_cache`, { shape: [contextLength, half], data: table });
    const rows = g.op('Gather', `/rotary/${label}/Gather`, [weight, positions], { axis: { i: 0 } });
    return g.op('Unsqueeze', `/rotary/${label}/Unsqueeze`, [rows, g.int64s([2, 4])]);
  };
  return { cos: gathered('cos', cos), sin: gathered('sin', sin) };
}

/** `x` `[batch, seq, heads, ropeDim]` with each interleaved pair (x[2i], x[2i+1]) rotated by its position's angle. */
export function rotatePairs(g: GraphBuilder, name: string, x: string, rotation: PairRotation): string {
  const pairs = g.op('Reshape', `${name}/pairs`, [x, g.int64s([0, 0, 0, -1, 2])]);
  const [even, odd] = g.node('Split', `${name}/Split`, [pairs, g.int64s([1, 1])], { axis: { i: -1 } }, { outputs: 2 });
  const times = (label: string, a: string, b: string) => g.op('Mul', `${name}/${label}`, [a, b]);
  const first = g.op('Sub', `${name}/first`, [times('even_cos', even, rotation.cos), times('odd_sin', odd, rotation.sin)]);
  const second = g.op('Add', `${name}/second`, [times('even_sin', even, rotation.sin), times('odd_cos', odd, rotation.cos)]);
  return g.op('Reshape', `${name}/merge`, [g.op('Concat', `${name}/Concat`, [first, second], { axis: { i: -1 } }), g.int64s([0, 0, 0, -1])]);
}

/**
 * A layer's attention over its KV cache, however the graph lowers it: `q`, `k`, `v` `[batch, seq, heads * width]`,
 * rotated by the node (`rotary`, the cos/sin tables) or already. Returns the output `[batch, seq, heads * width]`.
 */
export type Attend = (qkv: { q: string; k: string; v: string }, rotary: { cos: string; sin: string } | undefined, spec: AttentionSpec) => string;

export interface LatentAttentionSpec {
  numHeads: number;
  /** Query and key head size: `headDim - ropeDim` unrotated dims, then `ropeDim` rotated ones. */
  headDim: number;
  ropeDim: number;
  vHeadDim: number;
  /** The latent's size (`kv_lora_rank`). */
  latentDim: number;
  scale: number;
}

/**
 * DeepSeek-V2's multi-head latent attention in the absorbed form, which caches the latent, not keys and values
 * decompressed per head. From `q` (heads × headDim, `[batch, seq, ·]`), the normalised latent `c` (latentDim) and the
 * rotated key part `kRope` (ropeDim, one for all heads), with the decompression weights `kB` `[heads·(headDim -
 * ropeDim), latentDim]` and `vB` `[heads·vHeadDim, latentDim]`:
 *   score_h = q_nope,h · (kB_h c) + q_rope,h · k_rope = (kB_hᵀ q_nope,h) · c + q_rope,h · k_rope
 *   out_h   = vB_h (Σ softmax · c)
 * so every head attends over one shared key [c, k_rope] with the query [kB_hᵀ q_nope,h, q_rope,h], and the value
 * side multiplies by vB_h after the softmax-weighted sum. That is attention (`attend`) with a single key/value
 * head of latentDim + ropeDim (576 for V2) and no rotary of its own (the rotated parts are interleaved pairs over part
 * of each head, which GroupQueryAttention's rotary cannot do). GroupQueryAttention needs values as wide as keys: the
 * value is the key itself, and the output's rotated dims are dropped. The engine gives the node one buffer as both key and value cache
 * (`kvCacheShape`'s `valueIsKey`): 576 floats per position and layer, against 2 × heads × headDim (6,144 for
 * V2-Lite) decompressed. kB and vB stay float32: they are
 * per-head matrices applied as one batched MatMul, for which ONNX Runtime has no block-quantized kernel.
 */
export function latentAttention(
  g: GraphBuilder,
  name: string,
  parts: { q: string; latent: string; kRope: string },
  decompression: { kB: { name: string; tensor: FloatTensor }; vB: { name: string; tensor: FloatTensor } },
  attend: Attend,
  rotation: PairRotation,
  spec: LatentAttentionSpec,
): string {
  const { numHeads: heads, headDim, ropeDim, vHeadDim, latentDim } = spec;
  const nope = headDim - ropeDim;
  const perHead = (label: string, x: string, width: number, count = heads) => g.op('Reshape', `${name}/${label}/heads`, [x, g.int64s([0, 0, count, width])]);
  const flat = (label: string, x: string) => g.op('Reshape', `${name}/${label}/flatten`, [x, g.int64s([0, 0, -1])]);
  // `[batch, seq, heads, width]` to and from `[heads, batch, seq, width]`, so each head's matrix applies to all rows.
  const headsFirst = (label: string, x: string) => g.op('Transpose', `${name}/${label}/heads_first`, [x], { perm: { ints: [2, 0, 1, 3] } });
  const headsThird = (label: string, x: string) => g.op('Transpose', `${name}/${label}/heads_third`, [x], { perm: { ints: [1, 2, 0, 3] } });
  /** `[heads·rows, cols]` as one `[rows, cols]` matrix a head, `[heads, 1, rows, cols]` for MatMul to broadcast. */
  const perHeadMatrices = (label: string, data: Float32Array, rows: number, cols: number) => g.weight(label, { shape: [heads, 1, rows, cols], data });
  const [qNope, qRope] = g.node('Split', `${name}/q/Split`, [perHead('q', parts.q, headDim), g.int64s([nope, ropeDim])], { axis: { i: -1 } }, { outputs: 2 });
  // kB_hᵀ q_nope,h: `[heads, 1, nope, latent]` (kB's rows of head h, as stored).
  const kB = perHeadMatrices(decompression.kB.name, decompression.kB.tensor.data, nope, latentDim);
  const qLatent = headsThird('q_latent', g.op('MatMul', `${name}/q_absorb/MatMul`, [headsFirst('q_nope', qNope), kB]));
  const q = flat('q', g.op('Concat', `${name}/q/Concat`, [qLatent, rotatePairs(g, `${name}/q/rope`, qRope, rotation)], { axis: { i: -1 } }));
  const kRope = flat('k_rope', rotatePairs(g, `${name}/k/rope`, perHead('k_rope', parts.kRope, ropeDim, 1), rotation));
  const k = g.op('Concat', `${name}/k/Concat`, [parts.latent, kRope], { axis: { i: -1 } });
  const attended = attend({ q, k, v: k }, undefined, { numHeads: heads, numKvHeads: 1, scale: spec.scale, softcap: 0 });
  const latentOut = g.op('Slice', `${name}/output/Slice`, [perHead('output', attended, latentDim + ropeDim), g.int64s([0]), g.int64s([latentDim]), g.int64s([-1])]);
  // vB_h (Σ softmax · c): `[heads, 1, latent, vHeadDim]`, each head's block of vB transposed.
  const vBHeads = Array.from({ length: heads }, (_, h) => transpose2d({ shape: [vHeadDim, latentDim], data: decompression.vB.tensor.data.subarray(h * vHeadDim * latentDim, (h + 1) * vHeadDim * latentDim) }));
  const vB = perHeadMatrices(`${decompression.vB.name}.per_head_transposed`, stack(vBHeads).data, latentDim, vHeadDim);
  return flat('output', headsThird('output', g.op('MatMul', `${name}/v_absorb/MatMul`, [headsFirst('output', latentOut), vB])));
}

export interface ExpertWeights {
  /** Router `[experts, hidden]`, and its `[experts]` bias where it has one. */
  router: FloatTensor;
  routerBias?: FloatTensor;
  /** Per expert `[ffn, hidden]`: the activated branch, the linear branch, and `[hidden, ffn]` down projection. */
  gate: FloatTensor[];
  up: FloatTensor[];
  down: FloatTensor[];
  /** Per expert, the projections' biases where the experts have them (gpt-oss). */
  biases?: { gate: FloatTensor; up: FloatTensor; down: FloatTensor }[];
}

export interface MixtureSpec {
  topK: number;
  activation: ModelConfig['expertActivation'];
  geluApproximation: 'tanh' | 'none';
  /** The limit of `swiglu_clamped`. */
  swigluLimit: number;
  renormalize: boolean;
  /** 0 for none. */
  routerSoftcap: number;
}

/** The weight names of a gated MLP's three projections, and of their biases where it has them. */
export interface GatedMlpNames {
  gate: string;
  up: string;
  down: string;
  biases?: { gate: string; up: string; down: string };
}

/** gpt-oss's fixed slope inside its clamped SwiGLU: g · sigmoid(1.702 g). */
const clampedSwigluAlpha = 1.702;

/** The activated product of a gated MLP's gate and up projections, as `activation` forms it. */
function gatedProduct(g: GraphBuilder, name: string, gate: string, up: string, spec: Pick<MixtureSpec, 'activation' | 'geluApproximation' | 'swigluLimit'>): string {
  if (spec.activation === 'geglu') return g.op('Mul', `${name}/gated`, [g.op('Gelu', `${name}/Gelu`, [gate], { approximate: { s: spec.geluApproximation } }), up]);
  if (spec.activation === 'swiglu') return g.op('Mul', `${name}/gated`, [g.op('Mul', `${name}/Silu`, [gate, g.op('Sigmoid', `${name}/Sigmoid`, [gate])]), up]);
  const limit = spec.swigluLimit;
  const clampedGate = g.op('Min', `${name}/gate_limit`, [gate, g.floats([limit])]);
  const glu = g.op('Mul', `${name}/glu`, [clampedGate, g.op('Sigmoid', `${name}/Sigmoid`, [g.op('Mul', `${name}/alpha`, [clampedGate, g.floats([clampedSwigluAlpha])])])]);
  const clampedUp = g.op('Clip', `${name}/up_limit`, [up, g.floats([-limit]), g.floats([limit])]);
  return g.op('Mul', `${name}/gated`, [g.op('Add', `${name}/up_plus_one`, [clampedUp, g.floats([1])]), glu]);
}

/**
 * A gated MLP, down(act(gate x) · up x), on `[..., hidden]`: one routed expert, or a shared expert every token runs;
 * every projection is a `linear` on its own weight (`[ffn, hidden]` gate and up, `[hidden, ffn]` down), plus its bias
 * where it has one.
 */
export function gatedMlp(
  g: GraphBuilder,
  name: string,
  x: string,
  names: GatedMlpNames,
  weights: { gate: FloatTensor; up: FloatTensor; down: FloatTensor; biases?: { gate: FloatTensor; up: FloatTensor; down: FloatTensor } },
  spec: Pick<MixtureSpec, 'activation' | 'geluApproximation' | 'swigluLimit'>,
  quant: QuantOptions,
): string {
  const projection = (role: 'gate' | 'up' | 'down', input: string) => {
    const out = linear(g, `${name}/${role}`, input, names[role], weights[role], quant);
    return weights.biases && names.biases ? g.op('Add', `${name}/${role}/bias`, [out, g.weight(names.biases[role], weights.biases[role])]) : out;
  };
  return projection('down', gatedProduct(g, name, projection('gate', x), projection('up', x), spec));
}

/** Routed expert `e`'s MLP on the rows dispatched to it. */
function expertMlp(g: GraphBuilder, name: string, rows: string, weightPrefix: string, weights: ExpertWeights, e: number, spec: MixtureSpec, quant: QuantOptions): string {
  const prefix = `${weightPrefix}.experts.${e}`;
  const names = { gate: `${prefix}.gate`, up: `${prefix}.up`, down: `${prefix}.down`, biases: { gate: `${prefix}.gate.bias`, up: `${prefix}.up.bias`, down: `${prefix}.down.bias` } };
  return gatedMlp(g, name, rows, names, { gate: weights.gate[e], up: weights.up[e], down: weights.down[e], biases: weights.biases?.[e] }, spec, quant);
}

/** ONNX Runtime's one-node MoE kernels: float32 experts (`MoE`) and block-quantized ones (`QMoE`). */
type FusedExpertsOp = { op: 'MoE' } | { op: 'QMoE'; bits: 8 | 4 };

/**
 * Which one-node kernel runs the experts, where one computes exactly what the lowering in `mixtureOfExperts` does and
 * is faster. ONNX Runtime's CPU `MoE`/`QMoE` take gated experts in the SwiGLU form g·sigmoid(α g)·(l + β) only, so
 * GeGLU (Grok-1) keeps the lowering. Since 1.31 the CPU `QMoE` packs int8 and int4 blocks once at load and multiplies
 * them with int8 activations (MLAS's MatMulNBits kernels, accuracy_level 4): the arithmetic of the lowering's int8
 * activations, so `activations: 'float32'` keeps the lowering. So do experts whose matrices are not all one kind (a
 * GGUF's own mixture under `--quant match`).
 */
function fusedExpertsOp(spec: MixtureSpec, weights: ExpertWeights, quant: QuantOptions): FusedExpertsOp | undefined {
  if (spec.activation !== 'swiglu' && spec.activation !== 'swiglu_clamped') return undefined;
  const matrices = [...weights.gate, ...weights.up, ...weights.down];
  const kinds = new Set<QuantType>(matrices.map((matrix) => weightQuant(matrix, quant.quant)));
  if (kinds.size !== 1) return undefined;
  const [type] = kinds;
  if (type === 'none') return { op: 'MoE' };
  if ((quant.activations ?? 'int8') !== 'int8') return undefined;
  const keepsLowering = (form: ExactForm) => form.bits === 4 && !qmoeHoldsExactly(form);
  if (matrices.some((matrix) => matrix.blocks && keepsLowering(exactForm(matrix.blocks.type)))) return undefined;
  return { op: 'QMoE', bits: quantBits(type) };
}

/**
 * `QMoE` takes symmetric blocks of 32. A file's other 8-bit forms (Q5_K, Q6_K) are re-rounded to Q8_0's blocks for it,
 * within 1/254 of a block's largest weight; a 4-bit form with offsets (Q4_K) is not re-rounded to Q4_0, 16 times
 * coarser: such experts keep the lowering, which holds the file's numbers.
 */
function qmoeHoldsExactly(form: ExactForm): boolean {
  return form.blockSize === quantBlockSize && !form.offsets;
}

/**
 * `[experts, 2·ffn, hidden]` gate and up rows interleaved (gate row i at 2i, up row i at 2i + 1: the kernels'
 * `swiglu_fusion` 1 layout) from per-expert `[ffn, hidden]` matrices; `rowOf(e, role, i)` gives each row.
 */
function interleaveGateUp<T extends Float32Array | Uint8Array>(make: (length: number) => T, experts: number, ffn: number, rowLength: number, rowOf: (e: number, role: 'gate' | 'up', i: number) => T): T {
  const out = make(experts * 2 * ffn * rowLength);
  for (let e = 0; e < experts; e++) {
    for (let i = 0; i < ffn; i++) {
      out.set(rowOf(e, 'gate', i), (e * 2 * ffn + 2 * i) * rowLength);
      out.set(rowOf(e, 'up', i), (e * 2 * ffn + 2 * i + 1) * rowLength);
    }
  }
  return out;
}

/**
 * The experts as one ONNX Runtime `MoE` node (float32 weights) or `QMoE` node (int8 or int4 blocks of 32, llama.cpp's
 * Q8_0 / Q4_0 as `quant.ts` computes them, codes + 2^(bits-1) with the default zero point): the kernel takes the router
 * logits, applies the softmax, picks the top-k, renormalizes their gates, runs each expert on its rows only and sums
 * the weighted outputs. Its SwiGLU is g·sigmoid(α g)·(l + β) with g = min(gate x, limit) and l = clamp(up x, ±limit):
 * α 1, β 0 and no limit for SwiGLU, gpt-oss's 1.702, 1 and its limit for `swiglu_clamped`. Weights are stacked per layer:
 * `<prefix>.experts.gate_up` `[experts, 2·ffn, hidden]` (gate row i at 2i, up row i at 2i + 1) and
 * `<prefix>.experts.down` `[experts, hidden, ffn]`, both `[out, in]` per expert, with their biases where they exist.
 */
function fusedMixtureOfExperts(g: GraphBuilder, name: string, x: string, routerLogits: string, weightPrefix: string, weights: ExpertWeights, spec: MixtureSpec, fused: FusedExpertsOp): string {
  const experts = weights.gate.length;
  const [ffn, hidden] = weights.gate[0].shape;
  const clamped = spec.activation === 'swiglu_clamped';
  const attributes: Record<string, Attribute> = {
    k: { i: spec.topK },
    activation_type: { s: 'swiglu' },
    swiglu_fusion: { i: 1 },
    activation_alpha: { f: clamped ? clampedSwigluAlpha : 1 },
    activation_beta: { f: clamped ? 1 : 0 },
    ...(clamped ? { swiglu_limit: { f: spec.swigluLimit } } : {}),
    normalize_routing_weights: { i: 1 },
  };
  const gateUpName = `${weightPrefix}.experts.gate_up`;
  const downName = `${weightPrefix}.experts.down`;
  let gateUp: string[];
  let down: string[];
  if (fused.op === 'MoE') {
    const rows = (e: number, role: 'gate' | 'up', i: number) => weights[role][e].data.subarray(i * hidden, (i + 1) * hidden);
    gateUp = [g.weight(gateUpName, { shape: [experts, 2 * ffn, hidden], data: interleaveGateUp((n) => new Float32Array(n), experts, ffn, hidden, rows) })];
    const stackedDown = new Float32Array(experts * hidden * ffn);
    weights.down.forEach((matrix, e) => stackedDown.set(matrix.data, e * hidden * ffn));
    down = [g.weight(downName, { shape: [experts, hidden, ffn], data: stackedDown })];
  } else {
    const { bits } = fused;
    Object.assign(attributes, { expert_weight_bits: { i: bits }, block_size: { i: quantBlockSize }, accuracy_level: { i: matMulNBitsAccuracyLevel.int8 } });
    const blocks = (matrix: FloatTensor, label: string) => matMulNBitsWeight(matrix, bits, label, qmoeHoldsExactly);
    const gateBlocks = weights.gate.map((m, e) => blocks(m, `${weightPrefix}.experts.${e}.gate`));
    const upBlocks = weights.up.map((m, e) => blocks(m, `${weightPrefix}.experts.${e}.up`));
    const downBlocks = weights.down.map((m, e) => blocks(m, `${weightPrefix}.experts.${e}.down`));
    const byRole = { gate: gateBlocks, up: upBlocks };
    const codeRow = (hidden * bits) / 8;
    const scaleRow = hidden / quantBlockSize;
    const gateUpCodes = interleaveGateUp((n) => new Uint8Array(n), experts, ffn, codeRow, (e, role, i) => byRole[role][e].packed.subarray(i * codeRow, (i + 1) * codeRow));
    const gateUpScales = interleaveGateUp((n) => new Float32Array(n), experts, ffn, scaleRow, (e, role, i) => byRole[role][e].scales.subarray(i * scaleRow, (i + 1) * scaleRow));
    const downCodes = new Uint8Array(experts * hidden * ((ffn * bits) / 8));
    const downScales = new Float32Array(experts * hidden * (ffn / quantBlockSize));
    downBlocks.forEach((b, e) => {
      downCodes.set(b.packed, e * b.packed.length);
      downScales.set(b.scales, e * b.scales.length);
    });
    gateUp = [
      g.uint8Weight(`${gateUpName}.codes${bits}`, gateUpCodes, [experts, 2 * ffn, codeRow]),
      g.weight(`${gateUpName}.block_scales`, { shape: [experts, 2 * ffn, scaleRow], data: gateUpScales }),
    ];
    down = [
      g.uint8Weight(`${downName}.codes${bits}`, downCodes, [experts, hidden, (ffn * bits) / 8]),
      g.weight(`${downName}.block_scales`, { shape: [experts, hidden, ffn / quantBlockSize], data: downScales }),
    ];
  }
  let gateUpBias = '';
  let downBias = '';
  if (weights.biases) {
    const biases = weights.biases;
    const entries = (e: number, role: 'gate' | 'up', i: number) => biases[e][role].data.subarray(i, i + 1);
    gateUpBias = g.weight(`${gateUpName}.bias`, { shape: [experts, 2 * ffn], data: interleaveGateUp((n) => new Float32Array(n), experts, ffn, 1, entries) });
    const stacked = new Float32Array(experts * hidden);
    biases.forEach((b, e) => stacked.set(b.down.data, e * hidden));
    downBias = g.weight(`${downName}.bias`, { shape: [experts, hidden], data: stacked });
  }
  const inputs = [x, routerLogits, ...gateUp, gateUpBias, ...down, downBias];
  while (inputs[inputs.length - 1] === '') inputs.pop();
  const renormalized = g.op(fused.op, `${name}/${fused.op}`, inputs, attributes, { domain: 'com.microsoft' });
  if (spec.renormalize) return renormalized;
  // Gates left as softmax probabilities (Qwen2-MoE, OLMoE): the kernels' own normalize_routing_weights 0 is not
  // usable in 1.30 (CPU QMoE renormalizes anyway; CPU MoE's gates come out wrong once the node may write its output
  // over its input, as it does inside a decoder), so they run renormalized and each token is scaled back by Σ topk(p).
  const probabilities = g.op('Softmax', `${name}/router/Softmax`, [routerLogits], { axis: { i: -1 } });
  const [topValues] = g.node('TopK', `${name}/router/TopK`, [probabilities, g.int64s([spec.topK])], { axis: { i: -1 } }, { outputs: 2 });
  const mass = g.op('ReduceSum', `${name}/router/top_mass`, [topValues, g.int64s([-1])], { keepdims: { i: 1 } });
  const massShape = g.op('Concat', `${name}/router/top_mass_shape`, [g.op('Shape', `${name}/Shape`, [x], { end: { i: -1 } }), g.int64s([1])], { axis: { i: 0 } });
  return g.op('Mul', `${name}/unnormalize`, [renormalized, g.op('Reshape', `${name}/router/top_mass_per_token`, [mass, massShape])]);
}

/** A stacked quantized expert tensor `[experts, out, in·bits/8]` as read from a graph, with its `[experts, out, in/32]` scales. */
export interface StackedCodes {
  bits: 8 | 4;
  dims: number[];
  raw: Uint8Array;
}

/** The values d·q of stacked `QMoE` codes (codes + 2^(bits-1), low nibble first): `[experts, out, in]`. */
function dequantizeStacked(codes: StackedCodes, scales: FloatTensor): FloatTensor {
  const [experts, out, packed] = codes.dims;
  const k = (packed * 8) / codes.bits;
  const values = experts * out * k;
  if (scales.data.length * quantBlockSize !== values) throw new Error(`stacked expert codes of shape [${codes.dims}] do not match their ${scales.data.length} scales`);
  const zeroPoint = 1 << (codes.bits - 1);
  const data = new Float32Array(values);
  for (let i = 0; i < values; i++) {
    const code = codes.bits === 8 ? codes.raw[i] : i % 2 === 0 ? codes.raw[i >> 1] & 0x0f : codes.raw[i >> 1] >> 4;
    data[i] = scales.data[Math.floor(i / quantBlockSize)] * (code - zeroPoint);
  }
  return { shape: [experts, out, k], data };
}

/**
 * Reading a graph's weights back (`readGraphWeights`): the per-expert tensors the sorted lowering holds, from the
 * stacked ones `fusedMixtureOfExperts` writes, so that both forms read back alike. Adds, for every
 * `<prefix>.experts.gate_up` / `.down` pair: float32 `<prefix>.experts.<e>.gate|up|down` to `float` in the lowering's
 * `[in, out]` layout, quantized ones to `dequantized` as their `[out, in]` values d·q, and the biases
 * `<prefix>.experts.<e>.gate|up|down.bias` to `float`. `codes` holds the stacked quantized codes by initializer name.
 */
export function unstackFusedExperts(float: Map<string, FloatTensor>, codes: Map<string, StackedCodes>, dequantized: Map<string, FloatTensor>): void {
  const prefixes = new Set([...float.keys(), ...codes.keys()].flatMap((name) => /^(.*)\.experts\.gate_up(\.codes[48])?$/.exec(name)?.[1] ?? []));
  for (const prefix of prefixes) {
    const stacked = (role: 'gate_up' | 'down') => {
      const name = `${prefix}.experts.${role}`;
      const quantized = codes.get(`${name}.codes8`) ?? codes.get(`${name}.codes4`);
      const scales = float.get(`${name}.block_scales`);
      return float.get(name) ?? (quantized && scales ? dequantizeStacked(quantized, scales) : undefined);
    };
    const gateUp = stacked('gate_up');
    const down = stacked('down');
    if (!gateUp || !down) continue;
    const into = float.has(`${prefix}.experts.gate_up`) ? (name: string, t: FloatTensor) => float.set(name, transpose2d(t)) : (name: string, t: FloatTensor) => dequantized.set(name, t);
    const [experts, twoFfn, hidden] = gateUp.shape;
    const ffn = twoFfn / 2;
    const gateUpBias = float.get(`${prefix}.experts.gate_up.bias`);
    const downBias = float.get(`${prefix}.experts.down.bias`);
    for (let e = 0; e < experts; e++) {
      const rows = (parity: 0 | 1) => {
        const data = new Float32Array(ffn * hidden);
        for (let i = 0; i < ffn; i++) data.set(gateUp.data.subarray((e * twoFfn + 2 * i + parity) * hidden, (e * twoFfn + 2 * i + parity + 1) * hidden), i * hidden);
        return { shape: [ffn, hidden], data };
      };
      into(`${prefix}.experts.${e}.gate`, rows(0));
      into(`${prefix}.experts.${e}.up`, rows(1));
      into(`${prefix}.experts.${e}.down`, { shape: [hidden, ffn], data: down.data.slice(e * hidden * ffn, (e + 1) * hidden * ffn) });
      if (gateUpBias && downBias) {
        const biasRow = (parity: 0 | 1) => ({ shape: [ffn], data: Float32Array.from({ length: ffn }, (_, i) => gateUpBias.data[e * twoFfn + 2 * i + parity]) });
        float.set(`${prefix}.experts.${e}.gate.bias`, biasRow(0));
        float.set(`${prefix}.experts.${e}.up.bias`, biasRow(1));
        float.set(`${prefix}.experts.${e}.down.bias`, { shape: [hidden], data: downBias.data.slice(e * hidden, (e + 1) * hidden) });
      }
    }
  }
}

/**
 * A top-k mixture of gated experts:
 *   p = softmax(cap(x Wrᵀ + br)); (v, i) = topk(p) [v /= Σv]; y[t] = Σⱼ v[t, j] · downₑ(act(gateₑ x[t]) · upₑ x[t]) with e = i[t, j]
 * SwiGLU experts in float32, int8 or int4 run as one ONNX Runtime `MoE` / `QMoE` node (`fusedMixtureOfExperts`): a
 * decode step then costs one kernel per layer instead of a few per expert, which with 128 experts was most of the step.
 * (`QMoE` rounds the activations to int8 blocks as the MatMulNBits lowering does.) Every other case (GeGLU, float32
 * activations with quantized experts, Q4_K files' experts) is lowered exactly to standard ops with a sparse dispatch:
 * the (token, slot) pairs are sorted by expert so each expert runs its MLP once, on only the rows routed to it (none is
 * fine: its MatMuls see zero rows), on its own constant `[out, in]` weights (no weight copies; only routed experts'
 * weights are read). The outputs are put back in slot order, weighted and summed per token. One sort serves all
 * experts, rather than bookkeeping per expert, because at decode each node's fixed cost is what remains; the dense form
 * (every expert on every token, zero gates outside the top-k) does experts/topK times the FLOPs and reads every expert.
 * bench/engine/README.md has the measurements behind these choices. `quant` quantizes the expert projections (the
 * router stays float32, as llama.cpp keeps `ffn_gate_inp`).
 */
export function mixtureOfExperts(g: GraphBuilder, name: string, x: string, hidden: number, weightPrefix: string, weights: ExpertWeights, spec: MixtureSpec, quant: QuantOptions = {}): string {
  const tokens = g.op('Reshape', `${name}/flatten`, [x, g.int64s([-1, hidden])]);
  let routerLogits = g.op('MatMul', `${name}/router/MatMul`, [tokens, g.weight(`${weightPrefix}.router`, transpose2d(weights.router))]);
  if (weights.routerBias) routerLogits = g.op('Add', `${name}/router/bias`, [routerLogits, g.weight(`${weightPrefix}.router.bias`, weights.routerBias)]);
  if (spec.routerSoftcap > 0) routerLogits = softcap(g, `${name}/router/softcap`, routerLogits, spec.routerSoftcap);
  const fused = fusedExpertsOp(spec, weights, quant);
  if (fused) return fusedMixtureOfExperts(g, name, x, routerLogits, weightPrefix, weights, spec, fused);
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
 * (no transposed copy) and folds the output multiplier into alpha; the result is named `outputName` where given.
 */
export function tiedOutput(g: GraphBuilder, name: string, x: string, embedding: string, hidden: number, vocab: number, multiplier: number, outputName?: string): string {
  const rows = g.op('Reshape', `${name}/flatten`, [x, g.int64s([-1, hidden])]);
  const logits = g.op('Gemm', `${name}/Gemm`, [rows, embedding], { transB: { i: 1 }, alpha: { f: multiplier } });
  const shape = g.op('Concat', `${name}/shape`, [g.op('Shape', `${name}/rows_shape`, [x], { end: { i: -1 } }), g.int64s([vocab])], { axis: { i: 0 } });
  return g.op('Reshape', `${name}/unflatten`, [logits, shape], {}, outputName ? { outputNames: [outputName] } : {});
}
