/**
 * llama.cpp's `qwen3moe` architecture (src/models/qwen3moe.cpp): pre-norm, RMSNorm of each query and key head
 * before RoPE (rotate-half, as Hugging Face's), SwiGLU experts whose top-k gates are always renormalized, and
 * `expert_feed_forward_length` for the experts' size (`feed_forward_length` is the dense size, unused by an
 * all-sparse model).
 */
import { mixtralStyleKnobs } from '../../config';
import { differsFromFixed, expertSizedKeys, plainDecoderKnobs, type GgufArchitecture } from './common';

const fixed = { ...mixtralStyleKnobs, ...plainDecoderKnobs, qk_norm: 'head' };

export const qwen3moe: GgufArchitecture = {
  name: 'qwen3moe',
  family: 'qwen3_moe',
  modelName: 'rook-qwen3moe',
  label: 'GGUF (llama.cpp qwen3moe)',
  keys: {
    ...expertSizedKeys('qwen3moe'),
  },
  fixed,
  interleavedRope: false,
  mismatch: (config) => differsFromFixed(config, fixed, 'qwen3moe'),
};
