/**
 * llama.cpp's `olmoe` architecture (src/models/olmoe.cpp): pre-norm, RMSNorm over the whole q and k projections
 * before RoPE (rotate-half), SwiGLU experts whose top-k gates are not renormalized, an untied output; its k norm
 * is as wide as the hidden size, so it loads no grouped-query models.
 */
import { mixtralStyleKnobs } from '../../config';
import { differsFromFixed, hyperparameterKeys, plainDecoderKnobs, type GgufArchitecture } from './common';

const fixed = { ...mixtralStyleKnobs, ...plainDecoderKnobs, router_renormalize: false, qk_norm: 'projection' };

export const olmoe: GgufArchitecture = {
  name: 'olmoe',
  family: 'olmoe',
  modelName: 'rook-olmoe',
  label: 'GGUF (llama.cpp olmoe)',
  keys: hyperparameterKeys('olmoe'),
  fixed,
  interleavedRope: false,
  mismatch: (config) =>
    config.tiedOutput || config.numKvHeads !== config.numHeads
      ? "llama.cpp's olmoe architecture needs an untied output projection and as many key/value heads as query heads (as the released OLMoE models have)"
      : differsFromFixed(config, fixed, 'olmoe'),
};
