/**
 * llama.cpp's `deepseek2` architecture (src/models/deepseek2.cpp), as its convert_hf_to_gguf.py writes DeepSeek-V2
 * today: multi-head latent attention stored for the absorbed form (`head_count_kv` 1, `key_length` kv_lora_rank +
 * rope dims, `value_length` kv_lora_rank, the heads' sizes in `key_length_mla` / `value_length_mla`, `kv_b_proj`
 * split into `attn_k_b` `[heads, kv_lora_rank, nope]` and `attn_v_b` `[heads, v, kv_lora_rank]`), queries direct
 * (`attn_q`, `q_lora_rank` 0) or through `attn_q_a` / `attn_q_a_norm` / `attn_q_b`; rope on interleaved pairs (its
 * `norm` rope type, the checkpoint's own row order: nothing is permuted); `leading_dense_block_count` dense SwiGLU
 * layers (`ffn_gate/up/down`, `feed_forward_length` wide); then softmax-routed experts, renormalized where
 * `expert_weights_norm`, scaled by `expert_weights_scale`, beside `expert_shared_count` shared experts stored as one.
 *
 * YaRN: llama.cpp reads DeepSeek's mscale_all_dim from `rope.scaling.yarn_log_multiplier` (0.1 × it, the converter's
 * legacy spelling), takes mscale to be the same (cos and sin unscaled), and multiplies the softmax scale
 * 1/sqrt(key_length_mla) by mscale(factor, mscale_all_dim)²; its beta_fast and beta_slow are fixed at 32 and 1. Rook
 * writes what that computes and refuses the rest. Files written before the converter split `attn_kv_b` (no
 * `key_length_mla`) are refused: convert the Hugging Face checkpoint, or a GGUF from a current convert_hf_to_gguf.py.
 */
import type { ModelConfig } from '../../config';
import { ropeAttentionFactorOf } from '../../config';
import type { GgufValue } from '../write';
import { differsFromFixed, hyperparameterKeys, type FieldKey, type GgufArchitecture } from './common';

const arch = 'deepseek2';
const key = (name: string, type: FieldKey['type'], field: string, read?: FieldKey['read']): FieldKey => ({ key: `${arch}.${name}`, type, field, read });
const { contextLength, embeddingLength, blockCount, headCount, layerNormRmsEpsilon, ropeFreqBase, expertCount, expertUsedCount } = hyperparameterKeys(arch);

const fixed = {
  expert_activation: 'swiglu',
  norm_placement: 'pre',
  embedding_multiplier_scale: 1,
  output_multiplier_scale: 1,
  max_attn_value: 0,
  router_logit_softcap: 0,
  qk_norm: 'none',
  attention_bias: false,
  attention_output_bias: false,
  attention_sinks: false,
  sliding_window: 0,
  expert_bias: false,
  residual_multiplier: 1,
  shared_expert_gate: false,
  rope_beta_fast: 32,
  rope_beta_slow: 1,
  rope_truncate: true,
};

const ropeScalingTypeKey = `${arch}.rope.scaling.type`;
const yarnLogMultiplierKey = `${arch}.rope.scaling.yarn_log_multiplier`;
const expertSharedCountKey = `${arch}.expert_shared_count`;
const expertGatingFuncKey = `${arch}.expert_gating_func`;
/** llama.cpp's LLAMA_EXPERT_GATING_FUNC_TYPE_SOFTMAX. */
const softmaxGating = 1;

/** DeepSeek's yarn_get_mscale. */
const mscale = (factor: number, m: number) => (factor <= 1 ? 1 : 0.1 * m * Math.log(factor) + 1);

/** DeepSeek's mscale_all_dim from the softmax scale Rook holds (mscale(factor, it)² / sqrt(head)), for a YaRN factor above 1. */
function mscaleAllDim(config: ModelConfig): number {
  return (Math.sqrt(config.attentionScale * Math.sqrt(config.headDim)) - 1) / (0.1 * Math.log(config.ropeScalingFactor));
}

function mismatch(config: ModelConfig): string | undefined {
  if (config.kvLoraRank === 0) return "llama.cpp's deepseek2 architecture needs latent attention (kv_lora_rank > 0)";
  if (config.numExperts === 0 || config.denseLayers === config.numLayers) return "llama.cpp's deepseek2 architecture needs MoE layers";
  if (config.sharedExpertFfnSize % config.expertFfnSize !== 0) return `llama.cpp's deepseek2 architecture holds shared experts as a whole number of experts (shared_expert_intermediate_size ${config.sharedExpertFfnSize} over intermediate_size ${config.expertFfnSize})`;
  const fixedMismatch = differsFromFixed({ ...config, attentionScale: 1 / Math.sqrt(config.headDim) }, fixed, arch);
  if (fixedMismatch) return fixedMismatch;
  const close = (a: number, b: number) => Math.abs(a - b) <= 1e-6 * Math.abs(b);
  if (config.ropeScalingFactor === 1) {
    return close(config.attentionScale, 1 / Math.sqrt(config.headDim)) ? undefined : `llama.cpp's deepseek2 architecture without YaRN computes the softmax scale 1/sqrt(head_dim), not ${config.attentionScale}`;
  }
  if (!close(ropeAttentionFactorOf(config), 1)) return `llama.cpp's deepseek2 architecture with YaRN leaves cos and sin unscaled (DeepSeek's mscale equal to mscale_all_dim), not scaled by ${ropeAttentionFactorOf(config)}`;
  if (!(mscaleAllDim(config) > 1e-6)) return `llama.cpp's deepseek2 architecture with YaRN and no mscale_all_dim scales cos and sin by 0.1·ln(factor) + 1; the softmax scale ${config.attentionScale} has no mscale_all_dim`;
  return undefined;
}

function derivedKeys(config: ModelConfig): [string, GgufValue][] {
  const keys: [string, GgufValue][] = [
    [`${arch}.attention.head_count_kv`, { u32: 1 }],
    [`${arch}.attention.key_length`, { u32: config.kvLoraRank + config.ropeHeadDim }],
    [`${arch}.attention.value_length`, { u32: config.kvLoraRank }],
    [expertSharedCountKey, { u32: config.sharedExpertFfnSize / config.expertFfnSize }],
    [expertGatingFuncKey, { u32: softmaxGating }],
  ];
  if (config.ropeScalingFactor !== 1) {
    keys.push([ropeScalingTypeKey, { str: 'yarn' }], [yarnLogMultiplierKey, { f32: 0.1 * mscaleAllDim(config) }]);
  }
  return keys;
}

export const deepseek2: GgufArchitecture = {
  name: arch,
  family: 'deepseek_v2',
  modelName: 'rook-deepseek2',
  label: 'GGUF (llama.cpp deepseek2)',
  keys: {
    contextLength,
    embeddingLength,
    blockCount,
    feedForwardLength: key('feed_forward_length', 'u32', 'dense_intermediate_size'),
    headCount,
    keyLengthMla: key('attention.key_length_mla', 'u32', 'head_dim', 'required'),
    valueLengthMla: key('attention.value_length_mla', 'u32', 'v_head_dim', 'required'),
    qLoraRank: key('attention.q_lora_rank', 'u32', 'q_lora_rank'),
    kvLoraRank: key('attention.kv_lora_rank', 'u32', 'kv_lora_rank', 'required'),
    layerNormRmsEpsilon,
    ropeDimensionCount: key('rope.dimension_count', 'u32', 'qk_rope_head_dim', 'required'),
    ropeFreqBase,
    ropeScalingFactor: key('rope.scaling.factor', 'f32', 'rope_scaling_factor'),
    ropeOriginalContext: key('rope.scaling.original_context_length', 'u32', 'rope_original_max_position_embeddings'),
    leadingDenseBlockCount: key('leading_dense_block_count', 'u32', 'first_k_dense_replace'),
    expertCount,
    expertUsedCount,
    expertFeedForwardLength: key('expert_feed_forward_length', 'u32', 'intermediate_size', 'required'),
    expertWeightsScale: key('expert_weights_scale', 'f32', 'routed_scaling_factor'),
    expertWeightsNorm: key('expert_weights_norm', 'bool', 'router_renormalize', () => false),
  },
  derivedKeys,
  derivedFields: (meta, fields) => {
    const heads = fields.num_attention_heads as number;
    const head = fields.head_dim as number;
    const factor = (fields.rope_scaling_factor as number | undefined) ?? 1;
    const shared = meta.optionalNumber(expertSharedCountKey) ?? 0;
    const logMultiplier = meta.optionalNumber(yarnLogMultiplierKey) ?? 0;
    // llama.cpp: with the multiplier, cos/sin unscaled and the softmax scale times mscale(factor, it / 0.1)²; without,
    // both carry YaRN's own 0.1·ln(factor) + 1.
    const scale = factor <= 1 ? 1 : logMultiplier !== 0 ? mscale(factor, logMultiplier / 0.1) : mscale(factor, 1);
    return {
      num_key_value_heads: heads,
      shared_expert_intermediate_size: shared * (fields.intermediate_size as number),
      attn_output_multiplier: (scale * scale) / Math.sqrt(head),
      rope_attention_factor: factor > 1 && logMultiplier !== 0 ? 1 : 0,
    };
  },
  fixed,
  interleavedRope: false,
  mismatch,
  refuse: (meta) => {
    if (meta.optionalNumber(`${arch}.attention.key_length_mla`) === undefined) {
      return `has no ${arch}.attention.key_length_mla: written before llama.cpp split attn_kv_b into attn_k_b and attn_v_b; convert the Hugging Face checkpoint, or a GGUF from a current convert_hf_to_gguf.py`;
    }
    const gating = meta.optionalNumber(expertGatingFuncKey);
    if (gating !== undefined && gating !== softmaxGating) return `${expertGatingFuncKey} is ${gating}; Rook routes deepseek2 experts by a softmax (1), not DeepSeek-V3's or GLM's sigmoid`;
    const factor = meta.optionalNumber(`${arch}.rope.scaling.factor`) ?? 1;
    const type = meta.optionalString(ropeScalingTypeKey);
    if (factor !== 1 && factor !== 0 && type !== 'yarn') return `${ropeScalingTypeKey} is ${JSON.stringify(type ?? 'linear')} with a factor of ${factor}; Rook runs deepseek2 with plain RoPE or YaRN`;
    return undefined;
  },
};
