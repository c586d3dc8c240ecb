/**
 * Hugging Face DeepSeek-V2 (`model_type` "deepseek_v2": DeepSeek-Coder-V2-Lite, DeepSeek-V2-Lite, DeepSeek-V2), as its
 * own modelling file (`modeling_deepseek.py`, shipped with the checkpoints) and transformers' port name it:
 *
 * - Multi-head latent attention: queries from `self_attn.q_proj` (Lite: `q_lora_rank` null) or through
 *   `q_a_proj` → `q_a_layernorm` → `q_b_proj`; `kv_a_proj_with_mqa` gives the `kv_lora_rank` latent (normed by
 *   `kv_a_layernorm`) and a `qk_rope_head_dim` key part every head shares; `kv_b_proj` decompresses the latent into
 *   each head's `qk_nope_head_dim` key and `v_head_dim` value rows, which Rook keeps as two tensors (`k_b_proj`,
 *   `v_b_proj`) read as row selections of it. Only the last `qk_rope_head_dim` dims of a query or key head rotate, as
 *   interleaved pairs (the weights are stored for that: modeling_deepseek.py de-interleaves q and k alike before its
 *   rotate-half, transformers rotates complex pairs), so Rook keeps the rows in the checkpoint's order.
 * - The first `first_k_dense_replace` layers have a dense SwiGLU `mlp.{gate,up,down}_proj` of `intermediate_size`;
 *   the others route to `n_routed_experts` experts `mlp.experts.N.*` of `moe_intermediate_size` by a softmax over
 *   `mlp.gate` (greedy top-k), renormalized where `norm_topk_prob`, scaled by `routed_scaling_factor`, beside
 *   `n_shared_experts` shared experts run as one MLP (`mlp.shared_experts.*`, n × moe_intermediate_size wide).
 * - YaRN RoPE with DeepSeek's mscale: cos and sin scaled by mscale(factor, mscale) / mscale(factor, mscale_all_dim),
 *   the softmax scale 1/sqrt(qk head) by mscale(factor, mscale_all_dim)², as modeling_deepseek.py and llama.cpp do
 *   (transformers' port leaves the latter out of its `scaling`; Rook follows the model's own code).
 *
 * Refused, naming the field: group-limited routing that drops groups, `noaux_tc` (V3's biased sigmoid routing),
 * another scoring function, MoE layers other than every one after the dense ones (`moe_layer_freq` 1), biases, and
 * `norm_topk_prob` with a routed scaling factor (the model's own code and transformers disagree there).
 */
import { ModelConfigError, type ModelConfig } from '../config';
import type { CheckpointFormat, TensorPart } from './format';
import { denseMlpRenames, llamaStyleConfig, llamaStyleRenames, mlpExpertRenames, namingOf, renamed } from './hfLlamaLayout';

const renames: [RegExp, string][] = [
  ...llamaStyleRenames,
  ...mlpExpertRenames,
  [/^model\.layers\.(\d+)\.attn\.(q_a_proj|q_b_proj)\.weight$/, 'model.layers.$1.self_attn.$2.weight'],
  [/^model\.layers\.(\d+)\.attn\.q_a_norm\.scale$/, 'model.layers.$1.self_attn.q_a_layernorm.weight'],
  [/^model\.layers\.(\d+)\.attn\.kv_a_proj\.weight$/, 'model.layers.$1.self_attn.kv_a_proj_with_mqa.weight'],
  [/^model\.layers\.(\d+)\.attn\.kv_a_norm\.scale$/, 'model.layers.$1.self_attn.kv_a_layernorm.weight'],
  [/^model\.layers\.(\d+)\.moe_block\.shared_expert\.linear\.weight$/, 'model.layers.$1.mlp.shared_experts.gate_proj.weight'],
  [/^model\.layers\.(\d+)\.moe_block\.shared_expert\.linear_v\.weight$/, 'model.layers.$1.mlp.shared_experts.up_proj.weight'],
  [/^model\.layers\.(\d+)\.moe_block\.shared_expert\.linear_1\.weight$/, 'model.layers.$1.mlp.shared_experts.down_proj.weight'],
  ...denseMlpRenames,
];

const renamedFields: [string, string][] = [
  ['num_experts', 'n_routed_experts'],
  ['intermediate_size', 'moe_intermediate_size'],
  ['kv_lora_rank', 'kv_lora_rank'],
  ['qk_rope_head_dim', 'qk_rope_head_dim'],
  ['v_head_dim', 'v_head_dim'],
];

/** DeepSeek's yarn_get_mscale: 0.1·m·ln(scale) + 1 above a scale of 1. */
export function yarnMscale(scale: number, m: number): number {
  return scale <= 1 ? 1 : 0.1 * m * Math.log(scale) + 1;
}

const isNumber = (value: unknown): value is number => typeof value === 'number' && Number.isFinite(value);

/** A number field of the config, `fallback` when absent; anything else is refused naming it. */
function numberField(json: Record<string, unknown>, key: string, fallback: number | undefined, file: string, where = ''): number {
  const value = json[key] ?? fallback;
  if (!isNumber(value)) throw new ModelConfigError(file, `bad value for field "${where}${key}": ${JSON.stringify(value ?? null).slice(0, 80)}; expected a number`);
  return value;
}

/**
 * Rook's RoPE knobs and attention scale from `rope_scaling` (or transformers v5's `rope_parameters`): none, or
 * YaRN with DeepSeek's mscale and mscale_all_dim (its ramp's ends rounded, as its yarn_find_correction_range does).
 */
function ropeKnobs(json: Record<string, unknown>, qkHeadDim: number, file: string): Record<string, unknown> {
  const scaling = (json.rope_scaling ?? json.rope_parameters) as Record<string, unknown> | null | undefined;
  const plain = { attn_output_multiplier: 1 / Math.sqrt(qkHeadDim) };
  if (scaling === undefined || scaling === null) return plain;
  if (typeof scaling !== 'object' || Array.isArray(scaling)) throw new ModelConfigError(file, `bad value for field "rope_scaling": ${JSON.stringify(scaling).slice(0, 80)}`);
  const theta = scaling.rope_theta === undefined ? {} : { rope_theta: scaling.rope_theta };
  const kind = scaling.rope_type ?? scaling.type;
  if (kind === 'default' || kind === undefined) return { ...plain, ...theta };
  if (kind !== 'yarn') throw new ModelConfigError(file, `field "rope_scaling" is ${JSON.stringify(scaling).slice(0, 160)}; Rook runs DeepSeek-V2 with plain RoPE or YaRN`);
  const where = 'rope_scaling.';
  const factor = numberField(scaling, 'factor', undefined, file, where);
  const mscale = numberField(scaling, 'mscale', 1, file, where);
  const mscaleAllDim = numberField(scaling, 'mscale_all_dim', 0, file, where);
  return {
    ...theta,
    rope_scaling_factor: factor,
    rope_original_max_position_embeddings: numberField(scaling, 'original_max_position_embeddings', 4096, file, where),
    rope_beta_fast: numberField(scaling, 'beta_fast', 32, file, where),
    rope_beta_slow: numberField(scaling, 'beta_slow', 1, file, where),
    rope_truncate: true,
    rope_attention_factor: yarnMscale(factor, mscale) / yarnMscale(factor, mscaleAllDim),
    attn_output_multiplier: (mscaleAllDim ? yarnMscale(factor, mscaleAllDim) ** 2 : 1) / Math.sqrt(qkHeadDim),
  };
}

/** Throws unless the routing is what Rook's graph computes: softmax scores, greedy top-k over all experts. */
function refuseOtherRouting(json: Record<string, unknown>, file: string): void {
  const method = json.topk_method ?? 'greedy';
  const groups = json.n_group ?? 1;
  const keptGroups = json.topk_group ?? groups;
  const allGroupsKept = isNumber(groups) && isNumber(keptGroups) && (groups <= 1 || keptGroups >= groups);
  if (method === 'group_limited_greedy' && !allGroupsKept) {
    throw new ModelConfigError(file, `field "topk_method" is "group_limited_greedy" with "n_group" ${JSON.stringify(groups)} and "topk_group" ${JSON.stringify(keptGroups)}; Rook's graph routes greedily over all experts, which equals it only when every group is kept`);
  }
  if (method !== 'greedy' && method !== 'group_limited_greedy') {
    throw new ModelConfigError(file, `field "topk_method" is ${JSON.stringify(method)}; Rook's graph routes greedily over all experts ("greedy"); "noaux_tc" (DeepSeek-V3's biased sigmoid routing) is not built`);
  }
  const scoring = json.scoring_func ?? 'softmax';
  if (scoring !== 'softmax') throw new ModelConfigError(file, `field "scoring_func" is ${JSON.stringify(scoring)}; Rook routes DeepSeek-V2 by a softmax over the router's logits`);
  const frequency = json.moe_layer_freq ?? 1;
  if (frequency !== 1) throw new ModelConfigError(file, `field "moe_layer_freq" is ${JSON.stringify(frequency)}; Rook runs every layer after the first_k_dense_replace dense ones as a mixture of experts (1)`);
  if (json.n_routed_experts === null || json.n_routed_experts === undefined) throw new ModelConfigError(file, 'missing field "n_routed_experts"; Rook runs DeepSeek-V2 models with experts');
  if (json.attention_bias === true) throw new ModelConfigError(file, 'field "attention_bias" is true; Rook builds latent attention without biases, as DeepSeek-V2 releases it');
}

function deepseekConfig(json: Record<string, unknown>, file: string): ModelConfig {
  refuseOtherRouting(json, file);
  const nope = numberField(json, 'qk_nope_head_dim', undefined, file);
  const rope = numberField(json, 'qk_rope_head_dim', undefined, file);
  const renormalize = json.norm_topk_prob ?? false;
  if (typeof renormalize !== 'boolean') throw new ModelConfigError(file, `bad value for field "norm_topk_prob": ${JSON.stringify(renormalize).slice(0, 80)}; expected true or false`);
  const routedScaling = numberField(json, 'routed_scaling_factor', 1, file);
  if (renormalize && routedScaling !== 1) {
    throw new ModelConfigError(file, `fields "norm_topk_prob" true and "routed_scaling_factor" ${routedScaling}: DeepSeek's modeling_deepseek.py then skips the scaling, llama.cpp and transformers apply it; Rook would compute one of them`);
  }
  const qLoraRank = json.q_lora_rank ?? 0;
  const sharedExperts = json.n_shared_experts ?? 0;
  const expertSize = json.moe_intermediate_size;
  const denseLayers = json.first_k_dense_replace ?? 0;
  // head_dim in transformers' config is the rotated part (it sets head_dim = qk_rope_head_dim); Rook's is the whole head.
  const { head_dim: _, rope_scaling: __, rope_parameters: ___, ...rest } = json;
  return llamaStyleConfig({ ...rest, num_key_value_heads: json.num_attention_heads }, file, {
    family: 'DeepSeek-V2',
    architecture: 'deepseek_v2',
    renamedFields,
    defaultContext: 2048,
    knobs: {
      head_dim: nope + rope,
      q_lora_rank: qLoraRank,
      ...ropeKnobs(json, nope + rope, file),
      router_renormalize: renormalize,
      routed_scaling_factor: routedScaling,
      shared_expert_intermediate_size: isNumber(sharedExperts) && isNumber(expertSize) ? sharedExperts * expertSize : sharedExperts,
      first_k_dense_replace: denseLayers,
      dense_intermediate_size: denseLayers === 0 ? 0 : json.intermediate_size,
      ...(json.rope_theta === undefined && (json.rope_parameters as { rope_theta?: unknown } | undefined)?.rope_theta === undefined ? { rope_theta: 10000 } : {}),
    },
  });
}

const keyValueB = /^model\.layers\.(\d+)\.attn\.(k|v)_b_proj\.weight$/;

/** Rook's `k_b_proj` and `v_b_proj` as row selections of `kv_b_proj` `[heads·(nope + v), kv_lora_rank]`: each head's nope rows, then its v rows. */
function deepseekPart(rookName: string, config: ModelConfig): TensorPart | undefined {
  const match = keyValueB.exec(rookName);
  if (!match) return undefined;
  const { numHeads: heads, headDim, ropeHeadDim, vHeadDim, kvLoraRank: rank } = config;
  const nope = headDim - ropeHeadDim;
  const perHead = nope + vHeadDim;
  const [offset, rows] = match[2] === 'k' ? [0, nope] : [nope, vHeadDim];
  return {
    name: `model.layers.${match[1]}.self_attn.kv_b_proj.weight`,
    shape: [heads * perHead, rank],
    select: (whole) => {
      const out = new Float32Array(heads * rows * rank);
      for (let h = 0; h < heads; h++) out.set(whole.subarray((h * perHead + offset) * rank, (h * perHead + offset + rows) * rank), h * rows * rank);
      return out;
    },
  };
}

export const hfDeepseekV2: CheckpointFormat = {
  label: 'Hugging Face DeepSeek-V2',
  naming: namingOf(renamedFields),
  modelConfig: deepseekConfig,
  sourceName: (rookName) => renamed(rookName, renames),
  sourcePart: deepseekPart,
};
