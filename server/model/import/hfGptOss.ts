/**
 * Hugging Face gpt-oss (`model_type` "gpt_oss", gpt-oss-20b / 120b) in BF16: Llama-style attention with q/k/v/o
 * biases and a learned sink logit per head (`self_attn.sinks`), sliding-window attention on the layers `layer_types`
 * names (gpt-oss alternates, starting with a sliding one), YaRN RoPE, and `mlp.router` (with a bias) choosing
 * `num_experts_per_tok` of `num_local_experts` experts weighted by a softmax over their logits (renormalized top-k).
 * The experts are fused and stored input-major: `mlp.experts.gate_up_proj` `[experts, hidden, 2·ffn]` with gate and
 * up columns interleaved, `down_proj` `[experts, ffn, hidden]`, and their biases; their activation is the clamped
 * SwiGLU with `swiglu_limit`. The MXFP4 release (`quantization_config` "mxfp4") stores the two expert matrices as
 * `*_blocks`/`*_scales` pairs, which the checkpoint decodes exactly to those tensors (`mxfp4.ts`).
 */
import { ModelConfigError, type ModelConfig } from '../config';
import { entryColumnsTransposed, entryRows, entryStrided, type CheckpointFormat, type TensorPart } from './format';
import { llamaStyleConfig, llamaStyleRenames, namingOf, renamed } from './hfLlamaLayout';

const renames: [RegExp, string][] = [
  ...llamaStyleRenames,
  [/^model\.layers\.(\d+)\.attn\.sinks$/, 'model.layers.$1.self_attn.sinks'],
  [/^model\.layers\.(\d+)\.moe_block\.gate\.(weight|bias)$/, 'model.layers.$1.mlp.router.$2'],
];

const renamedFields: [string, string][] = [
  ['num_experts', 'num_local_experts'],
  ['intermediate_size', 'intermediate_size'],
];

/** `layer_types` as Rook's window pattern: alternating from a sliding layer (2), or none sliding (no window). */
function windowKnobs(json: Record<string, unknown>, file: string): Record<string, unknown> {
  const types = json.layer_types;
  const layers = json.num_hidden_layers;
  if (!Array.isArray(types) || typeof layers !== 'number' || types.length !== layers) {
    throw new ModelConfigError(file, `field "layer_types" must list one attention type per layer (${JSON.stringify(layers)})`);
  }
  if (types.every((t) => t === 'full_attention')) return { sliding_window: 0 };
  const alternating = types.every((t, i) => t === (i % 2 === 0 ? 'sliding_attention' : 'full_attention'));
  if (!alternating) throw new ModelConfigError(file, `field "layer_types" is ${JSON.stringify(types).slice(0, 120)}; Rook runs gpt-oss's pattern (sliding, full, sliding, …) or full attention throughout`);
  return { sliding_window: json.sliding_window, sliding_window_pattern: 2 };
}

const expertPart = /^model\.layers\.(\d+)\.moe_block\.experts\.(\d+)\.(linear|linear_v|linear_1)\.(weight|bias)$/;

/** Rook's per-expert matrices and biases as parts of the fused, input-major `gate_up_proj` and `down_proj`. */
function gptOssPart(rookName: string, config: ModelConfig): TensorPart | undefined {
  const match = expertPart.exec(rookName);
  if (!match) return undefined;
  const { hiddenSize: d, expertFfnSize: ffn, numExperts: experts } = config;
  const [, layer, expert, role, kind] = match;
  const prefix = `model.layers.${layer}.mlp.experts`;
  const e = Number(expert);
  if (role === 'linear_1') {
    return kind === 'weight'
      ? { name: `${prefix}.down_proj`, shape: [experts, ffn, d], select: entryColumnsTransposed([experts, ffn, d], e, 0, 1) }
      : { name: `${prefix}.down_proj_bias`, shape: [experts, d], select: entryRows([experts, d], e) };
  }
  // Gate columns are the even ones, up columns the odd ones.
  const start = role === 'linear' ? 0 : 1;
  return kind === 'weight'
    ? { name: `${prefix}.gate_up_proj`, shape: [experts, d, 2 * ffn], select: entryColumnsTransposed([experts, d, 2 * ffn], e, start, 2) }
    : { name: `${prefix}.gate_up_proj_bias`, shape: [experts, 2 * ffn], select: entryStrided([experts, 2 * ffn], e, start, 2) };
}

export const hfGptOss: CheckpointFormat = {
  label: 'Hugging Face gpt-oss',
  naming: namingOf(renamedFields),
  modelConfig: (json, file) => {
    const quantization = json.quantization_config as { quant_method?: unknown } | null | undefined;
    if (quantization && typeof quantization === 'object' && quantization.quant_method !== 'mxfp4') {
      throw new ModelConfigError(file, `is quantized (quantization_config.quant_method ${JSON.stringify(quantization.quant_method ?? null)}); Rook converts gpt-oss from its MXFP4 or a BF16 release, and quantizes it itself with --quant`);
    }
    const attentionBias = json.attention_bias ?? true;
    return llamaStyleConfig(json, file, {
      family: 'gpt-oss',
      architecture: 'gpt_oss',
      renamedFields,
      defaultContext: 131072,
      layeredWindow: true,
      knobs: {
        ...windowKnobs(json, file),
        expert_activation: 'swiglu_clamped',
        swiglu_limit: json.swiglu_limit ?? 7,
        attention_bias: attentionBias,
        attention_output_bias: attentionBias,
        attention_sinks: true,
        expert_bias: true,
        router_renormalize: true,
      },
    });
  },
  sourceName: (rookName) => renamed(rookName, renames),
  sourcePart: gptOssPart,
};
