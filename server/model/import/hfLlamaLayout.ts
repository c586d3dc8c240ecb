/**
 * What the Hugging Face decoders descended from Llama share (Mixtral, Qwen2-MoE, Qwen3-MoE, OLMoE, Granite MoE): their
 * tensor names for embeddings, norms and attention, and the config.json fields that mean the same in each. Each
 * family's file adds its experts' names and its own fields.
 */
import { mixtralStyleKnobs, ModelConfigError, namingFrom, parseModelConfig, type FieldNaming, type ModelConfig } from '../config';
import { presentKeys } from './format';

/** Rook tensor-name patterns and the Llama-style names they come from. */
export const llamaStyleRenames: readonly [RegExp, string][] = [
  [/^model\.norm\.scale$/, 'model.norm.weight'],
  [/^model\.layers\.(\d+)\.pre_attn_norm\.scale$/, 'model.layers.$1.input_layernorm.weight'],
  [/^model\.layers\.(\d+)\.pre_moe_norm\.scale$/, 'model.layers.$1.post_attention_layernorm.weight'],
  [/^model\.layers\.(\d+)\.attn\.([qkvo])_proj\.(weight|bias)$/, 'model.layers.$1.self_attn.$2_proj.$3'],
  [/^model\.layers\.(\d+)\.attn\.([qk])_norm\.scale$/, 'model.layers.$1.self_attn.$2_norm.weight'],
];

/** Qwen's and OLMoE's experts: `mlp.gate` routing to `mlp.experts.N.{gate,up,down}_proj`. */
export const mlpExpertRenames: readonly [RegExp, string][] = [
  [/^model\.layers\.(\d+)\.moe_block\.gate\.weight$/, 'model.layers.$1.mlp.gate.weight'],
  [/^model\.layers\.(\d+)\.moe_block\.experts\.(\d+)\.linear\.weight$/, 'model.layers.$1.mlp.experts.$2.gate_proj.weight'],
  [/^model\.layers\.(\d+)\.moe_block\.experts\.(\d+)\.linear_v\.weight$/, 'model.layers.$1.mlp.experts.$2.up_proj.weight'],
  [/^model\.layers\.(\d+)\.moe_block\.experts\.(\d+)\.linear_1\.weight$/, 'model.layers.$1.mlp.experts.$2.down_proj.weight'],
];

/** A dense layer's SwiGLU MLP (DeepSeek's first dense layers, Qwen-MoE's `mlp_only_layers`): `mlp.{gate,up,down}_proj`. */
export const denseMlpRenames: readonly [RegExp, string][] = [
  [/^model\.layers\.(\d+)\.mlp\.linear\.weight$/, 'model.layers.$1.mlp.gate_proj.weight'],
  [/^model\.layers\.(\d+)\.mlp\.linear_v\.weight$/, 'model.layers.$1.mlp.up_proj.weight'],
  [/^model\.layers\.(\d+)\.mlp\.linear_1\.weight$/, 'model.layers.$1.mlp.down_proj.weight'],
];

/** The checkpoint's name for `rookName` under `renames` (first match), else `rookName` itself (embeddings, lm_head). */
export function renamed(rookName: string, renames: readonly [RegExp, string][]): string {
  for (const [pattern, replacement] of renames) if (pattern.test(rookName)) return rookName.replace(pattern, replacement);
  return rookName;
}

/** The fields every Llama-style config.json names as Rook does. */
const sharedKeys = [
  'vocab_size', 'hidden_size', 'num_hidden_layers', 'num_attention_heads', 'num_key_value_heads', 'head_dim', 'rms_norm_eps', 'rope_theta',
  'num_experts_per_tok', 'pad_token_id', 'attention_bias',
];

/** Rook's config fields under the family's config.json keys (`[field, key]`), for messages. */
export function namingOf(renamedFields: readonly [string, string][]): FieldNaming {
  return namingFrom(new Map(renamedFields.map(([field, key]) => [field, { describe: `field "${key}"`, quote: `"${key}"` }])));
}

/** An integer field that may be a list (Qwen's and Llama 3's `eos_token_id`): its first entry. */
function firstId(value: unknown): unknown {
  return Array.isArray(value) ? value[0] : value;
}

/** Refuses another activation: the experts are converted as SwiGLU. */
function refuseActivation(json: Record<string, unknown>, file: string, family: string): void {
  const activation = json.hidden_act ?? 'silu';
  if (activation !== 'silu') throw new ModelConfigError(file, `field "hidden_act" is ${JSON.stringify(activation)}; ${family} experts are converted as SwiGLU, which needs "silu"`);
}

/**
 * Rook's RoPE scaling knobs from `rope_scaling`: none, or YaRN (with transformers' defaults: beta_fast 32, beta_slow 1,
 * the ramp's ends rounded, the attention factor 0.1·ln(factor) + 1). Other kinds, and YaRN with its own attention
 * factor or DeepSeek's mscale, are refused: the graph would compute another model.
 */
export function ropeScalingKnobs(json: Record<string, unknown>, file: string): Record<string, unknown> {
  const scaling = json.rope_scaling as Record<string, unknown> | null | undefined;
  if (scaling === undefined || scaling === null) return {};
  const kind = typeof scaling === 'object' ? (scaling.rope_type ?? scaling.type) : undefined;
  if (kind === 'default') return {};
  const extra = ['attention_factor', 'mscale', 'mscale_all_dim'].filter((key) => scaling[key] !== undefined && scaling[key] !== null);
  if (kind !== 'yarn' || extra.length > 0) {
    throw new ModelConfigError(file, `field "rope_scaling" is ${JSON.stringify(scaling).slice(0, 160)}; Rook's graph has plain RoPE and YaRN without ${['attention_factor', 'mscale', 'mscale_all_dim'].join(' or ')}, so it would compute another model; remove rope_scaling to run the model within its original context`);
  }
  return {
    rope_scaling_factor: scaling.factor,
    ...(scaling.original_max_position_embeddings === undefined ? {} : { rope_original_max_position_embeddings: scaling.original_max_position_embeddings }),
    ...(scaling.beta_fast === undefined ? {} : { rope_beta_fast: scaling.beta_fast }),
    ...(scaling.beta_slow === undefined ? {} : { rope_beta_slow: scaling.beta_slow }),
    ...(scaling.truncate === undefined ? {} : { rope_truncate: scaling.truncate }),
  };
}

export interface LlamaStyleFamily {
  /** For messages: "Qwen3-MoE". */
  family: string;
  architecture: ModelConfig['architecture'];
  /** Rook's fields the family's config.json holds under other keys, `[field, key]`; read from those keys. */
  renamedFields: readonly [string, string][];
  /** Rook's fields the family fixes or derives, over Mixtral's knobs. */
  knobs: Record<string, unknown>;
  /** Where the family's config.json leaves `max_position_embeddings` out. */
  defaultContext: number;
  /** The family slides its window on some layers only (knobs of its own), so the window does not cut the context. */
  layeredWindow?: true;
}

/**
 * Rook's config from a Llama-style family's config.json: the shared fields, the family's renamed ones, its RoPE
 * scaling, its knobs; a sliding window shorter than the context on every layer limits the context (sliding-window
 * attention equals full attention on sequences no longer than the window).
 */
export function llamaStyleConfig(json: Record<string, unknown>, file: string, spec: LlamaStyleFamily): ModelConfig {
  refuseActivation(json, file, spec.family);
  const fields: Record<string, unknown> = {};
  for (const [field, key] of spec.renamedFields) {
    if (json[key] === undefined || json[key] === null) throw new ModelConfigError(file, `missing field "${key}" (a positive integer)`);
    fields[field] = json[key];
  }
  const positions = json.max_position_embeddings ?? spec.defaultContext;
  const window = json.sliding_window;
  const windowed = !spec.layeredWindow && json.use_sliding_window !== false && typeof window === 'number' && typeof positions === 'number' && window < positions;
  const renamedFields = [...spec.renamedFields, ...(windowed ? [['max_position_embeddings', 'sliding_window'] as [string, string]] : [])];
  return parseModelConfig(
    {
      ...presentKeys(json, sharedKeys),
      ...presentKeys({ eos_token_id: firstId(json.eos_token_id), bos_token_id: firstId(json.bos_token_id) }, ['eos_token_id', 'bos_token_id']),
      architecture: spec.architecture,
      max_position_embeddings: windowed ? window : positions,
      rope_theta: json.rope_theta ?? 1e6,
      tie_word_embeddings: json.tie_word_embeddings ?? false,
      ...mixtralStyleKnobs,
      ...ropeScalingKnobs(json, file),
      ...fields,
      ...spec.knobs,
    },
    file,
    namingOf(renamedFields),
  );
}
