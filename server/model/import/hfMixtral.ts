/**
 * Hugging Face Mixtral (`model_type` "mixtral"): pre-norm decoder layers, SwiGLU experts (`w1` gate, `w3` up,
 * `w2` down), renormalized top-k gates, no multipliers or soft-caps, attention scale 1/sqrt(head_dim), untied
 * `lm_head`, rotate-half RoPE (the layout Rook's graph uses, so q/k rows need no permutation).
 */
import { mixtralStyleKnobs, ModelConfigError, namingFrom, parseModelConfig, type FieldNaming } from '../config';
import { presentKeys, type CheckpointFormat } from './format';

const sharedKeys = [
  'vocab_size', 'hidden_size', 'intermediate_size', 'num_hidden_layers', 'num_attention_heads', 'num_key_value_heads', 'head_dim',
  'num_experts_per_tok', 'rms_norm_eps', 'bos_token_id', 'eos_token_id', 'pad_token_id',
];

/** Rook tensor-name patterns and the Mixtral names they come from. */
const renames: [RegExp, string][] = [
  [/^model\.norm\.scale$/, 'model.norm.weight'],
  [/^model\.layers\.(\d+)\.pre_attn_norm\.scale$/, 'model.layers.$1.input_layernorm.weight'],
  [/^model\.layers\.(\d+)\.pre_moe_norm\.scale$/, 'model.layers.$1.post_attention_layernorm.weight'],
  [/^model\.layers\.(\d+)\.attn\.([qkvo])_proj\.weight$/, 'model.layers.$1.self_attn.$2_proj.weight'],
  [/^model\.layers\.(\d+)\.moe_block\.gate\.weight$/, 'model.layers.$1.block_sparse_moe.gate.weight'],
  [/^model\.layers\.(\d+)\.moe_block\.experts\.(\d+)\.linear\.weight$/, 'model.layers.$1.block_sparse_moe.experts.$2.w1.weight'],
  [/^model\.layers\.(\d+)\.moe_block\.experts\.(\d+)\.linear_v\.weight$/, 'model.layers.$1.block_sparse_moe.experts.$2.w3.weight'],
  [/^model\.layers\.(\d+)\.moe_block\.experts\.(\d+)\.linear_1\.weight$/, 'model.layers.$1.block_sparse_moe.experts.$2.w2.weight'],
];

function mixtralTensorName(rookName: string): string {
  for (const [pattern, replacement] of renames) if (pattern.test(rookName)) return rookName.replace(pattern, replacement);
  return rookName;
}

/** Rook's config fields under Mixtral's config.json keys, for messages. */
function mixtralNaming(renamed: [string, string][]): FieldNaming {
  return namingFrom(new Map(renamed.map(([field, key]) => [field, { describe: `field "${key}"`, quote: `"${key}"` }])));
}

const expertsRenamed: [string, string] = ['num_experts', 'num_local_experts'];

export const hfMixtral: CheckpointFormat = {
  label: 'Hugging Face Mixtral',
  naming: mixtralNaming([expertsRenamed]),
  modelConfig: (json, file) => {
    if (json.num_local_experts === undefined) throw new ModelConfigError(file, 'missing field "num_local_experts" (a positive integer)');
    const activation = json.hidden_act ?? 'silu';
    if (activation !== 'silu') throw new ModelConfigError(file, `field "hidden_act" is ${JSON.stringify(activation)}; Mixtral experts are converted as SwiGLU, which needs "silu"`);
    const positions = json.max_position_embeddings ?? 4096 * 32;
    // Sliding-window attention equals full attention on sequences no longer than the window.
    const window = json.sliding_window;
    const windowed = typeof window === 'number' && typeof positions === 'number' && window < positions;
    const renamed: [string, string][] = [expertsRenamed, ...(windowed ? [['max_position_embeddings', 'sliding_window'] as [string, string]] : [])];
    return parseModelConfig(
      {
        ...presentKeys(json, sharedKeys),
        architecture: 'grok',
        num_experts: json.num_local_experts,
        max_position_embeddings: windowed ? window : positions,
        rope_theta: json.rope_theta ?? 1e6,
        tie_word_embeddings: json.tie_word_embeddings ?? false,
        ...mixtralStyleKnobs,
      },
      file,
      mixtralNaming(renamed),
    );
  },
  sourceName: mixtralTensorName,
};
