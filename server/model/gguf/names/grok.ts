/**
 * llama.cpp's `grok` architecture (src/models/grok.cpp), Grok-1's and Grok-2's: sandwich norms and GELU (tanh)
 * experts, its multipliers and soft-caps under `grok.*`. Its graph needs `heads * headDim = hidden`.
 *
 * Grok-2 adds (convert_hf_to_gguf.py's GrokModel): a dense GELU MLP beside the experts (`ffn_gate/up/down`,
 * `feed_forward_length` wide, the experts' size then in `expert_feed_forward_length`), whose sum with the experts
 * llama.cpp scales by 1/√2; a final logit soft-cap after the logit scale; `attention.temperature_length`, which this
 * llama.cpp reads but never applies; and its "original" RoPE written as YaRN (`rope.scaling.*`), which llama.cpp
 * runs with YaRN's own 0.1·ln(factor) + 1 on cos and sin whatever `yarn_attn_factor` says. The post-MoE norm is
 * `layer_output_norm` (Grok-1's converter, and Rook's) or `post_ffw_norm` (Grok-2's); llama.cpp reads either.
 */
import { differsFromFixed, hyperparameterKeys, plainAttentionKnobs, type FieldKey, type GgufArchitecture } from './common';

const arch = 'grok';
const key = (name: string, type: FieldKey['type'], field: string, read?: FieldKey['read']): FieldKey => ({ key: `${arch}.${name}`, type, field, read });
// Written from the config by `derivedKeys`: it is the dense MLP's size where there is one.
const { feedForwardLength, ...hyperparameters } = hyperparameterKeys(arch);
const ropeScalingTypeKey = `${arch}.rope.scaling.type`;
const ropeScalingFactor = key('rope.scaling.factor', 'f32', 'rope_scaling_factor');
const yarnExtFactorKey = `${arch}.rope.scaling.yarn_ext_factor`;

/** llama.cpp's scale on the sum of the experts and Grok-2's dense MLP. */
export const grokExpertSumMultiplier = Math.SQRT1_2;

/** What llama.cpp's grok graph fixes: no biases, norms or sinks on attention, no gated shared expert or residual multiplier. */
const { rope_scaling_factor: _yarnFromKeys, ...attentionKnobs } = plainAttentionKnobs;
const fixed = { expert_activation: 'geglu', gelu_approximation: 'tanh', norm_placement: 'sandwich', ...attentionKnobs, expert_bias: false, residual_multiplier: 1, shared_expert_gate: false };

export const grok: GgufArchitecture = {
  name: arch,
  family: 'grok',
  modelName: 'rook-grok',
  label: 'GGUF (llama.cpp grok)',
  keys: {
    ...hyperparameters,
    // Absent in Grok-1's files: the experts are then `feed_forward_length` wide (`derivedFields`).
    expertFeedForwardLength: key('expert_feed_forward_length', 'u32', 'intermediate_size'),
    // llama.cpp's grok graph ignores it and always renormalizes the top-k gates: it records whether Rook's model does,
    // and a file without it renormalizes.
    expertWeightsNorm: key('expert_weights_norm', 'bool', 'router_renormalize', () => true),
    // Absent scales and soft-caps take Grok-1's values (config.json's defaults).
    embeddingScale: key('embedding_scale', 'f32', 'embedding_multiplier_scale'),
    logitScale: key('logit_scale', 'f32', 'output_multiplier_scale'),
    attentionOutputScale: key('attention.output_scale', 'f32', 'attn_output_multiplier'),
    attnLogitSoftcap: key('attn_logit_softcapping', 'f32', 'max_attn_value'),
    // llama.cpp (as bundled by node-llama-cpp 3.21.1) reads it without applying it, which the parity test measured:
    // a model with `routerSoftcap > 0` computes slightly differently there.
    routerLogitSoftcap: key('router_logit_softcapping', 'f32', 'router_logit_softcap'),
    finalLogitSoftcap: key('final_logit_softcapping', 'f32', 'final_logit_softcapping'),
    // Read, not applied, by this llama.cpp: `mismatch` keeps exported models to positions where it changes nothing.
    attentionTemperatureLength: key('attention.temperature_length', 'u32', 'attn_temperature_len'),
    ropeScalingFactor,
    ropeOriginalContext: key('rope.scaling.original_context_length', 'u32', 'rope_original_max_position_embeddings'),
    // llama.cpp's grok default, where Rook's own is 32.
    ropeBetaFast: key('rope.scaling.yarn_beta_fast', 'f32', 'rope_beta_fast', () => 8),
    ropeBetaSlow: key('rope.scaling.yarn_beta_slow', 'f32', 'rope_beta_slow'),
  },
  derivedKeys: (config) => [
    [feedForwardLength.key, { u32: config.sharedExpertFfnSize > 0 ? config.sharedExpertFfnSize : config.expertFfnSize }],
    ...(config.ropeScalingFactor === 1 ? [] : [[ropeScalingTypeKey, { str: 'yarn' }] as [string, { str: string }]]),
  ],
  derivedFields: (meta, fields, tensors) => {
    const denseWidth = meta.optionalNumber(feedForwardLength.key);
    if (denseWidth === undefined) throw meta.missing(feedForwardLength.key);
    const dense = tensors.has('blk.0.ffn_up.weight');
    return {
      intermediate_size: fields.intermediate_size ?? denseWidth,
      shared_expert_intermediate_size: dense ? denseWidth : 0,
      expert_sum_multiplier: dense ? grokExpertSumMultiplier : 1,
    };
  },
  fixed,
  interleavedRope: false,
  // Grok-2's dense MLP is llama.cpp's plain `ffn_*` beside the experts, which Rook holds as its shared expert.
  tensorRenames: { ffn_gate_shexp: 'ffn_gate', ffn_up_shexp: 'ffn_up', ffn_down_shexp: 'ffn_down' },
  tensorAliases: { layer_output_norm: 'post_ffw_norm' },
  mismatch: (config) => {
    if (config.normPlacement !== 'sandwich' || config.expertActivation !== 'geglu' || config.numHeads * config.headDim !== config.hiddenSize) {
      return "llama.cpp's grok architecture needs sandwich norms, GeGLU experts and num_attention_heads * head_dim = hidden_size";
    }
    const sumMultiplier = config.sharedExpertFfnSize > 0 ? grokExpertSumMultiplier : 1;
    if (Math.abs(config.expertSumMultiplier - sumMultiplier) > 1e-7) return `llama.cpp's grok architecture scales the experts' sum by ${sumMultiplier} (1/√2 with a dense MLP beside them), not expert_sum_multiplier ${config.expertSumMultiplier}`;
    if (config.routedScalingFactor !== 1) return `llama.cpp's grok architecture has no routed_scaling_factor (${config.routedScalingFactor})`;
    if (config.attentionTemperatureLength > 0 && config.contextLength > config.attentionTemperatureLength + 1) {
      return `llama.cpp's grok architecture does not apply attn_temperature_len (${config.attentionTemperatureLength}): positions past it, within max_position_embeddings ${config.contextLength}, would compute another model`;
    }
    if (config.ropeScalingFactor !== 1 && (!config.ropeTruncate || config.ropeAttentionFactor !== 0)) {
      return "llama.cpp's grok architecture runs YaRN with the ramp's ends rounded (rope_truncate) and its own attention factor (rope_attention_factor 0)";
    }
    return differsFromFixed({ ...config, attentionScale: 1 / Math.sqrt(config.headDim) }, fixed, arch);
  },
  refuse: (meta) => {
    const factor = meta.optionalNumber(ropeScalingFactor.key) ?? 1;
    const type = meta.optionalString(ropeScalingTypeKey);
    if (factor !== 1 && factor !== 0 && type !== 'yarn') return `${ropeScalingTypeKey} is ${JSON.stringify(type ?? 'linear')} with a factor of ${factor}; Rook runs grok with plain RoPE or YaRN`;
    const extFactor = meta.optionalNumber(yarnExtFactorKey);
    if (type === 'yarn' && extFactor !== undefined && extFactor !== 1) return `${yarnExtFactorKey} is ${extFactor}; Rook's YaRN blends the whole ramp (1)`;
    return undefined;
  },
};
