/**
 * Hugging Face Granite MoE (`model_type` "granitemoe", granite-3.x-1b-a400m / 3b-a800m; "granitemoeshared" adds a
 * shared expert): Llama-style layers with Granite's multipliers (`embedding_multiplier` on the embeddings,
 * `attention_multiplier` the attention scale, `residual_multiplier` on each block's output, logits divided by
 * `logits_scaling`), and fused experts: `block_sparse_moe.input_linear` `[experts, 2 · ffn, hidden]` holds each
 * expert's gate rows then its up rows, `output_linear` `[experts, hidden, ffn]` its down projection, routed by
 * `router.layer` with a softmax over the top-k logits (renormalized top-k gates). The shared expert's
 * `shared_mlp.input_linear` `[2 · shared, hidden]` and `output_linear` `[hidden, shared]` are fused alike.
 */
import { ModelConfigError, type ModelConfig } from '../config';
import { entryRows, type CheckpointFormat, type TensorPart } from './format';
import { llamaStyleConfig, llamaStyleRenames, namingOf, renamed } from './hfLlamaLayout';

const renames: [RegExp, string][] = [...llamaStyleRenames, [/^model\.layers\.(\d+)\.moe_block\.gate\.weight$/, 'model.layers.$1.block_sparse_moe.router.layer.weight']];

const renamedFields: [string, string][] = [
  ['num_experts', 'num_local_experts'],
  ['intermediate_size', 'intermediate_size'],
];

/**
 * The multipliers, in Rook's fields (checked there); an absent one is Granite's "none", and the attention scale then
 * 1/sqrt(head_dim), config.json's default.
 */
function multipliers(json: Record<string, unknown>, file: string): Record<string, unknown> {
  const logitsScaling = json.logits_scaling ?? 1;
  if (typeof logitsScaling !== 'number' || !(logitsScaling > 0) || !Number.isFinite(logitsScaling)) {
    throw new ModelConfigError(file, `bad value for field "logits_scaling": ${JSON.stringify(logitsScaling).slice(0, 80)}; expected a number > 0`);
  }
  return {
    embedding_multiplier_scale: json.embedding_multiplier ?? 1,
    residual_multiplier: json.residual_multiplier ?? 1,
    output_multiplier_scale: 1 / logitsScaling,
    ...(json.attention_multiplier === undefined || json.attention_multiplier === null ? {} : { attn_output_multiplier: json.attention_multiplier }),
  };
}

const expertPart = /^model\.layers\.(\d+)\.moe_block\.experts\.(\d+)\.(linear|linear_v|linear_1)\.weight$/;
const sharedPart = /^model\.layers\.(\d+)\.moe_block\.shared_expert\.(linear|linear_v|linear_1)\.weight$/;

/** A part of the fused tensor `name` of `shape`: entry `index` (all of a 2-D tensor when absent), then `rows`. */
function part(name: string, shape: number[], index?: number, rows?: [number, number]): TensorPart {
  return { name, shape, select: entryRows(shape, index, rows) };
}

/** Rook's per-expert gate, up and down matrices as parts of the fused `input_linear` / `output_linear`. */
function granitePart(rookName: string, config: ModelConfig): TensorPart | undefined {
  const { hiddenSize: d, expertFfnSize: ffn, numExperts, sharedExpertFfnSize: shared } = config;
  const expert = expertPart.exec(rookName);
  if (expert) {
    const [, layer, index, role] = expert;
    const prefix = `model.layers.${layer}.block_sparse_moe`;
    if (role === 'linear_1') return part(`${prefix}.output_linear.weight`, [numExperts, d, ffn], Number(index));
    return part(`${prefix}.input_linear.weight`, [numExperts, 2 * ffn, d], Number(index), role === 'linear' ? [0, ffn] : [ffn, 2 * ffn]);
  }
  const sharedExpert = sharedPart.exec(rookName);
  if (sharedExpert) {
    const [, layer, role] = sharedExpert;
    const prefix = `model.layers.${layer}.shared_mlp`;
    if (role === 'linear_1') return part(`${prefix}.output_linear.weight`, [d, shared]);
    return part(`${prefix}.input_linear.weight`, [2 * shared, d], undefined, role === 'linear' ? [0, shared] : [shared, 2 * shared]);
  }
  return undefined;
}

export const hfGraniteMoe: CheckpointFormat = {
  label: 'Hugging Face Granite MoE',
  naming: namingOf(renamedFields),
  modelConfig: (json, file) => {
    const shared = json.model_type === 'granitemoeshared' ? [['shared_expert_intermediate_size', 'shared_intermediate_size'] as [string, string]] : [];
    return llamaStyleConfig(json, file, {
      family: 'Granite MoE',
      architecture: 'granitemoe',
      renamedFields: [...renamedFields, ...shared],
      defaultContext: 4096,
      knobs: { ...multipliers(json, file), tie_word_embeddings: json.tie_word_embeddings ?? true },
    });
  },
  sourceName: (rookName) => renamed(rookName, renames),
  sourcePart: granitePart,
};
