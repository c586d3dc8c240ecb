/**
 * Hugging Face Qwen2-MoE (`model_type` "qwen2_moe") and Qwen3-MoE ("qwen3_moe", Qwen3-Coder-30B-A3B): Llama-style
 * layers with `mlp.gate` routing to `mlp.experts.N.{gate,up,down}_proj` SwiGLU experts sized by
 * `moe_intermediate_size`. Layers in `mlp_only_layers`, and those `decoder_sparse_step` skips, are dense instead: a
 * SwiGLU `mlp.{gate,up,down}_proj` of `intermediate_size`, as transformers builds them. `norm_topk_prob` says whether the top-k gates are
 * renormalized. Qwen2-MoE adds q/k/v biases and a shared expert (`mlp.shared_expert.*`) scaled by
 * sigmoid(`mlp.shared_expert_gate` · x); Qwen3-MoE adds an RMSNorm of each query and key head (`self_attn.q_norm`,
 * `k_norm`) and an explicit `head_dim`.
 */
import { configLimits, ModelConfigError } from '../config';
import type { CheckpointFormat } from './format';
import { denseMlpRenames, llamaStyleConfig, llamaStyleRenames, mlpExpertRenames, namingOf, renamed, type LlamaStyleFamily } from './hfLlamaLayout';

const renames: [RegExp, string][] = [
  ...llamaStyleRenames,
  ...mlpExpertRenames,
  ...denseMlpRenames,
  [/^model\.layers\.(\d+)\.moe_block\.shared_expert\.linear\.weight$/, 'model.layers.$1.mlp.shared_expert.gate_proj.weight'],
  [/^model\.layers\.(\d+)\.moe_block\.shared_expert\.linear_v\.weight$/, 'model.layers.$1.mlp.shared_expert.up_proj.weight'],
  [/^model\.layers\.(\d+)\.moe_block\.shared_expert\.linear_1\.weight$/, 'model.layers.$1.mlp.shared_expert.down_proj.weight'],
  [/^model\.layers\.(\d+)\.moe_block\.shared_expert_gate\.weight$/, 'model.layers.$1.mlp.shared_expert_gate.weight'],
];

/**
 * The dense layers' knobs: transformers' Qwen-MoE decoder layer `i` is sparse when it is not in `mlp_only_layers` and
 * `(i + 1) % decoder_sparse_step == 0`, else a dense MLP of `intermediate_size`.
 */
function qwenDenseLayerKnobs(json: Record<string, unknown>, file: string): Record<string, unknown> {
  const layers = json.num_hidden_layers;
  const step = json.decoder_sparse_step ?? 1;
  const listed = json.mlp_only_layers ?? [];
  // A bad layer count is parseModelConfig's to report, naming its field.
  if (!Number.isInteger(layers) || typeof layers !== 'number' || layers < 1 || layers > configLimits.num_hidden_layers.max) return {};
  if (!Number.isInteger(step) || typeof step !== 'number' || step < 1) throw new ModelConfigError(file, `bad value for field "decoder_sparse_step": ${JSON.stringify(step).slice(0, 80)}; expected a positive integer`);
  const valid = Array.isArray(listed) && listed.length <= configLimits.num_hidden_layers.max && listed.every((i) => Number.isInteger(i) && i >= 0 && i < layers);
  if (!valid) throw new ModelConfigError(file, `bad value for field "mlp_only_layers": ${JSON.stringify(listed).slice(0, 80)}; expected a list of layer indexes below "num_hidden_layers" (${layers})`);
  const listedLayers = new Set<number>(listed);
  const dense: number[] = [];
  for (let i = 0; i < layers; i++) if (listedLayers.has(i) || (i + 1) % step !== 0) dense.push(i);
  if (dense.length === 0) return {};
  const size = json.intermediate_size;
  if (!Number.isInteger(size) || (size as number) < 1) {
    throw new ModelConfigError(file, `${size === undefined ? 'missing field "intermediate_size"' : `bad value for field "intermediate_size": ${JSON.stringify(size).slice(0, 80)}`}; the dense layers (${dense.length} of ${layers}) need their size, a positive integer`);
  }
  return { mlp_only_layers: dense, dense_intermediate_size: size };
}

function qwenFormat(label: string, family: Omit<LlamaStyleFamily, 'renamedFields' | 'defaultContext'>, renamedFields: [string, string][], normTopKDefault: boolean): CheckpointFormat {
  return {
    label,
    naming: namingOf(renamedFields),
    modelConfig: (json, file) => {
      const renormalize = json.norm_topk_prob ?? normTopKDefault;
      if (typeof renormalize !== 'boolean') throw new ModelConfigError(file, `bad value for field "norm_topk_prob": ${JSON.stringify(renormalize).slice(0, 80)}; expected true or false`);
      return llamaStyleConfig(json, file, { ...family, renamedFields, defaultContext: 32768, knobs: { ...family.knobs, router_renormalize: renormalize, ...qwenDenseLayerKnobs(json, file) } });
    },
    sourceName: (rookName) => renamed(rookName, renames),
  };
}

const expertFields: [string, string][] = [
  ['num_experts', 'num_experts'],
  ['intermediate_size', 'moe_intermediate_size'],
];

export const hfQwen2Moe = qwenFormat(
  'Hugging Face Qwen2-MoE',
  { family: 'Qwen2-MoE', architecture: 'qwen2_moe', knobs: { attention_bias: true, shared_expert_gate: true } },
  [...expertFields, ['shared_expert_intermediate_size', 'shared_expert_intermediate_size']],
  false,
);

export const hfQwen3Moe = qwenFormat('Hugging Face Qwen3-MoE', { family: 'Qwen3-MoE', architecture: 'qwen3_moe', knobs: { qk_norm: 'head' } }, expertFields, false);
