/**
 * llama.cpp's `granitemoe` architecture (src/models/granite.cpp): a llama-style pre-norm decoder with Granite's four
 * multipliers under `granitemoe.*` (the logit scale divides the logits), renormalized top-k SwiGLU experts, an
 * optional shared expert without a gate (Granite MoE shared), and q/k rows in interleaved RoPE order, as
 * convert_hf_to_gguf.py permutes them for llama-style models.
 */
import { differsFromFixed, hyperparameterKeys, plainAttentionKnobs, type GgufArchitecture } from './common';

const fixed = {
  ...plainAttentionKnobs,
  expert_bias: false,
  expert_activation: 'swiglu',
  norm_placement: 'pre',
  router_renormalize: true,
  max_attn_value: 0,
  router_logit_softcap: 0,
  shared_expert_gate: false,
};

export const granitemoe: GgufArchitecture = {
  name: 'granitemoe',
  family: 'granitemoe',
  modelName: 'rook-granitemoe',
  label: 'GGUF (llama.cpp granitemoe)',
  keys: {
    ...hyperparameterKeys('granitemoe'),
    // Absent scales are llama.cpp's "none": 1 for the multipliers, 1/sqrt(head_dim) for attention (config.json's defaults).
    embeddingScale: { key: 'granitemoe.embedding_scale', type: 'f32', field: 'embedding_multiplier_scale', read: () => 1 },
    residualScale: { key: 'granitemoe.residual_scale', type: 'f32', field: 'residual_multiplier' },
    attentionScale: { key: 'granitemoe.attention.scale', type: 'f32', field: 'attn_output_multiplier' },
    logitScale: { key: 'granitemoe.logit_scale', type: 'f32', field: 'output_multiplier_scale', read: 'required', reciprocal: true },
    expertSharedFeedForwardLength: { key: 'granitemoe.expert_shared_feed_forward_length', type: 'u32', field: 'shared_expert_intermediate_size' },
  },
  fixed,
  interleavedRope: true,
  // The scales are keys of their own: only what the graph fixes can differ.
  mismatch: (config) => differsFromFixed({ ...config, attentionScale: 1 / Math.sqrt(config.headDim) }, fixed, 'granitemoe'),
};
