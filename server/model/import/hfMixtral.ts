/**
 * Hugging Face Mixtral (`model_type` "mixtral"): pre-norm decoder layers, SwiGLU experts (`w1` gate, `w3` up,
 * `w2` down), renormalized top-k gates, no multipliers or soft-caps, attention scale 1/sqrt(head_dim), untied
 * `lm_head`, rotate-half RoPE (the layout Rook's graph uses, so q/k rows need no permutation).
 */
import type { CheckpointFormat } from './format';
import { llamaStyleConfig, llamaStyleRenames, namingOf, renamed } from './hfLlamaLayout';

/** Rook tensor-name patterns and the Mixtral names they come from, beyond the Llama-style ones. */
const renames: [RegExp, string][] = [
  ...llamaStyleRenames,
  [/^model\.layers\.(\d+)\.moe_block\.gate\.weight$/, 'model.layers.$1.block_sparse_moe.gate.weight'],
  [/^model\.layers\.(\d+)\.moe_block\.experts\.(\d+)\.linear\.weight$/, 'model.layers.$1.block_sparse_moe.experts.$2.w1.weight'],
  [/^model\.layers\.(\d+)\.moe_block\.experts\.(\d+)\.linear_v\.weight$/, 'model.layers.$1.block_sparse_moe.experts.$2.w3.weight'],
  [/^model\.layers\.(\d+)\.moe_block\.experts\.(\d+)\.linear_1\.weight$/, 'model.layers.$1.block_sparse_moe.experts.$2.w2.weight'],
];

const renamedFields: [string, string][] = [
  ['num_experts', 'num_local_experts'],
  ['intermediate_size', 'intermediate_size'],
];

export const hfMixtral: CheckpointFormat = {
  label: 'Hugging Face Mixtral',
  naming: namingOf(renamedFields),
  modelConfig: (json, file) => llamaStyleConfig(json, file, { family: 'Mixtral', architecture: 'grok', renamedFields, knobs: {}, defaultContext: 4096 * 32 }),
  sourceName: (rookName) => renamed(rookName, renames),
};
