/**
 * llama.cpp's `gpt-oss` architecture (src/models/openai-moe-iswa.cpp): pre-norm (its second norm is named
 * `post_attention_norm`), q/k/v/o biases, a learned sink logit per head, sliding-window attention on even layers and
 * full attention on odd ones, YaRN RoPE (its ramp's ends always rounded to whole dims), and biased experts with
 * gpt-oss's clamped SwiGLU (limit 7, fixed in llama.cpp) weighted by a softmax over the chosen experts' logits.
 */
import { mixtralStyleKnobs } from '../../config';
import { differsFromFixed, expertSizedKeys, plainMoeKnobs, type GgufArchitecture } from './common';

const fixed = {
  ...mixtralStyleKnobs,
  ...plainMoeKnobs,
  expert_activation: 'swiglu_clamped',
  swiglu_limit: 7,
  qk_norm: 'none',
  attention_bias: true,
  attention_output_bias: true,
  attention_sinks: true,
  expert_bias: true,
  sliding_window_pattern: 2,
  rope_truncate: true,
};

export const gptOss: GgufArchitecture = {
  name: 'gpt-oss',
  family: 'gpt_oss',
  modelName: 'rook-gpt-oss',
  label: 'GGUF (llama.cpp gpt-oss)',
  keys: {
    ...expertSizedKeys('gpt-oss'),
    slidingWindow: { key: 'gpt-oss.attention.sliding_window', type: 'u32', field: 'sliding_window', read: 'required' },
    ropeScalingType: { key: 'gpt-oss.rope.scaling.type', value: { str: 'yarn' } },
    ropeScalingFactor: { key: 'gpt-oss.rope.scaling.factor', type: 'f32', field: 'rope_scaling_factor' },
    ropeOriginalContext: { key: 'gpt-oss.rope.scaling.original_context_length', type: 'u32', field: 'rope_original_max_position_embeddings' },
    ropeBetaFast: { key: 'gpt-oss.rope.scaling.yarn_beta_fast', type: 'f32', field: 'rope_beta_fast' },
    ropeBetaSlow: { key: 'gpt-oss.rope.scaling.yarn_beta_slow', type: 'f32', field: 'rope_beta_slow' },
  },
  fixed,
  interleavedRope: false,
  tensorRenames: { ffn_norm: 'post_attention_norm' },
  mismatch: (config) =>
    config.tiedOutput || config.slidingWindow === 0
      ? "llama.cpp's gpt-oss architecture needs an untied output projection and a sliding window"
      : differsFromFixed(config, fixed, 'gpt-oss'),
};
