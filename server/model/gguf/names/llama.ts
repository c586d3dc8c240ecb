/**
 * llama.cpp's `llama` architecture with experts, as Mixtral is converted: pre-norm, SwiGLU experts, renormalized
 * top-k gates, no multipliers or soft-caps, attention scale 1/sqrt(head_dim), and q/k rows in interleaved RoPE order.
 */
import { mixtralStyleKnobs } from '../../config';
import { differsFromFixed, hyperparameterKeys, plainDecoderKnobs, type GgufArchitecture } from './common';

const keys = hyperparameterKeys('llama');

export const llama: GgufArchitecture = {
  name: 'llama',
  family: 'grok',
  modelName: 'rook-mixtral',
  label: 'GGUF (llama.cpp llama, Mixtral-style)',
  keys,
  fixed: { ...mixtralStyleKnobs, ...plainDecoderKnobs },
  interleavedRope: true,
  mismatch: (config) => {
    const fits =
      config.normPlacement === 'pre' &&
      config.expertActivation === 'swiglu' &&
      config.routerRenormalize &&
      config.embeddingMultiplier === 1 &&
      config.outputMultiplier === 1 &&
      config.attentionSoftcap === 0 &&
      config.routerSoftcap === 0 &&
      Math.abs(config.attentionScale * Math.sqrt(config.headDim) - 1) < 1e-6;
    if (!fits) return "llama.cpp's llama architecture needs pre-norm SwiGLU experts with renormalized gates, no multipliers or soft-caps, and attention scale 1/sqrt(head_dim)";
    return differsFromFixed(config, plainDecoderKnobs, 'llama');
  },
  refuse: (meta) =>
    (meta.optionalNumber(keys.expertCount.key) ?? 0) === 0 ? `is a dense llama model (no ${keys.expertCount.key}); Rook runs mixture-of-experts models (Grok-1, Mixtral)` : undefined,
};
