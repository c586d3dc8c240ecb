/**
 * llama.cpp's `grok` architecture (src/models/grok.cpp): Grok-1's sandwich norms and GELU (tanh) experts, its
 * multipliers and soft-caps under `grok.*`. Its graph needs `heads * headDim = hidden`.
 */
import { differsFromFixed, hyperparameterKeys, plainDecoderKnobs, type GgufArchitecture } from './common';

const finalLogitSoftcap = { key: 'grok.final_logit_softcapping', value: { f32: 0 } };

export const grok: GgufArchitecture = {
  name: 'grok',
  family: 'grok',
  modelName: 'rook-grok',
  label: 'GGUF (llama.cpp grok)',
  keys: {
    ...hyperparameterKeys('grok'),
    expertFeedForwardLength: { key: 'grok.expert_feed_forward_length', type: 'u32', field: 'intermediate_size' },
    // llama.cpp's grok graph ignores it and always renormalizes the top-k gates: it records whether Rook's model does,
    // and a file without it renormalizes.
    expertWeightsNorm: { key: 'grok.expert_weights_norm', type: 'bool', field: 'router_renormalize', read: () => true },
    // Absent scales and soft-caps take Grok-1's values (config.json's defaults).
    embeddingScale: { key: 'grok.embedding_scale', type: 'f32', field: 'embedding_multiplier_scale' },
    logitScale: { key: 'grok.logit_scale', type: 'f32', field: 'output_multiplier_scale' },
    attentionOutputScale: { key: 'grok.attention.output_scale', type: 'f32', field: 'attn_output_multiplier' },
    attnLogitSoftcap: { key: 'grok.attn_logit_softcapping', type: 'f32', field: 'max_attn_value' },
    // llama.cpp (as bundled by node-llama-cpp 3.21.1) reads it without applying it, which the parity test measured:
    // a model with `routerSoftcap > 0` computes slightly differently there.
    routerLogitSoftcap: { key: 'grok.router_logit_softcapping', type: 'f32', field: 'router_logit_softcap' },
    finalLogitSoftcap,
  },
  fixed: { expert_activation: 'geglu', gelu_approximation: 'tanh', norm_placement: 'sandwich', ...plainDecoderKnobs },
  interleavedRope: false,
  mismatch: (config) =>
    config.normPlacement !== 'sandwich' || config.expertActivation !== 'geglu' || config.numHeads * config.headDim !== config.hiddenSize
      ? "llama.cpp's grok architecture needs sandwich norms, GeGLU experts and num_attention_heads * head_dim = hidden_size"
      : differsFromFixed({ ...config, attentionScale: 1 / Math.sqrt(config.headDim) }, plainDecoderKnobs, 'grok'),
  refuse: (meta) => {
    const softcap = meta.optionalNumber(finalLogitSoftcap.key) ?? 0;
    return softcap === 0 ? undefined : `${finalLogitSoftcap.key} is ${softcap}; Rook's graph has no final logit soft-cap, so it would compute another model`;
  },
};
