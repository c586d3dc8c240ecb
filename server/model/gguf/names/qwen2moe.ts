/**
 * llama.cpp's `qwen2moe` architecture (src/models/qwen2moe.cpp): pre-norm, q/k/v biases, rotate-half RoPE, SwiGLU
 * experts whose top-k gates are not renormalized, and a shared SwiGLU expert scaled by sigmoid(x · w) of its own
 * gate, sized by `expert_shared_feed_forward_length`.
 */
import { mixtralStyleKnobs } from '../../config';
import { differsFromFixed, expertSizedKeys, plainAttentionKnobs, type GgufArchitecture } from './common';

const fixed = { ...mixtralStyleKnobs, ...plainAttentionKnobs, expert_bias: false, residual_multiplier: 1, router_renormalize: false, attention_bias: true, shared_expert_gate: true };

export const qwen2moe: GgufArchitecture = {
  name: 'qwen2moe',
  family: 'qwen2_moe',
  modelName: 'rook-qwen2moe',
  label: 'GGUF (llama.cpp qwen2moe)',
  keys: {
    ...expertSizedKeys('qwen2moe'),
    expertSharedFeedForwardLength: { key: 'qwen2moe.expert_shared_feed_forward_length', type: 'u32', field: 'shared_expert_intermediate_size', read: 'required' },
  },
  fixed,
  interleavedRope: false,
  mismatch: (config) =>
    config.sharedExpertFfnSize === 0 ? "llama.cpp's qwen2moe architecture needs a shared expert" : differsFromFixed(config, fixed, 'qwen2moe'),
};
