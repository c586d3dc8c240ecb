/**
 * Hugging Face Qwen2-MoE (`model_type` "qwen2_moe") and Qwen3-MoE ("qwen3_moe", Qwen3-Coder-30B-A3B): Llama-style
 * layers with `mlp.gate` routing to `mlp.experts.N.{gate,up,down}_proj` SwiGLU experts sized by
 * `moe_intermediate_size` (`intermediate_size` is the size of dense layers, which Rook does not build: a model with
 * any, by `decoder_sparse_step` or `mlp_only_layers`, is refused). `norm_topk_prob` says whether the top-k gates are
 * renormalized. Qwen2-MoE adds q/k/v biases and a shared expert (`mlp.shared_expert.*`) scaled by
 * sigmoid(`mlp.shared_expert_gate` · x); Qwen3-MoE adds an RMSNorm of each query and key head (`self_attn.q_norm`,
 * `k_norm`) and an explicit `head_dim`.
 */
import { ModelConfigError } from '../config';
import type { CheckpointFormat } from './format';
import { llamaStyleConfig, llamaStyleRenames, mlpExpertRenames, namingOf, renamed, type LlamaStyleFamily } from './hfLlamaLayout';

const renames: [RegExp, string][] = [
  ...llamaStyleRenames,
  ...mlpExpertRenames,
  [/^model\.layers\.(\d+)\.moe_block\.shared_expert\.linear\.weight$/, 'model.layers.$1.mlp.shared_expert.gate_proj.weight'],
  [/^model\.layers\.(\d+)\.moe_block\.shared_expert\.linear_v\.weight$/, 'model.layers.$1.mlp.shared_expert.up_proj.weight'],
  [/^model\.layers\.(\d+)\.moe_block\.shared_expert\.linear_1\.weight$/, 'model.layers.$1.mlp.shared_expert.down_proj.weight'],
  [/^model\.layers\.(\d+)\.moe_block\.shared_expert_gate\.weight$/, 'model.layers.$1.mlp.shared_expert_gate.weight'],
];

/** Throws unless every layer is sparse (a mixture of experts). */
function refuseDenseLayers(json: Record<string, unknown>, file: string): void {
  const step = json.decoder_sparse_step ?? 1;
  const denseLayers = json.mlp_only_layers ?? [];
  if (step !== 1) throw new ModelConfigError(file, `field "decoder_sparse_step" is ${JSON.stringify(step)}; Rook runs models whose every layer is a mixture of experts (1)`);
  if (!Array.isArray(denseLayers) || denseLayers.length > 0) throw new ModelConfigError(file, `field "mlp_only_layers" is ${JSON.stringify(denseLayers).slice(0, 80)}; Rook runs models whose every layer is a mixture of experts ([])`);
}

function qwenFormat(label: string, family: Omit<LlamaStyleFamily, 'renamedFields' | 'defaultContext'>, renamedFields: [string, string][], normTopKDefault: boolean): CheckpointFormat {
  return {
    label,
    naming: namingOf(renamedFields),
    modelConfig: (json, file) => {
      refuseDenseLayers(json, file);
      const renormalize = json.norm_topk_prob ?? normTopKDefault;
      if (typeof renormalize !== 'boolean') throw new ModelConfigError(file, `bad value for field "norm_topk_prob": ${JSON.stringify(renormalize).slice(0, 80)}; expected true or false`);
      return llamaStyleConfig(json, file, { ...family, renamedFields, defaultContext: 32768, knobs: { ...family.knobs, router_renormalize: renormalize } });
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
