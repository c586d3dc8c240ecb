/**
 * The Hugging Face Grok-1 port (`model_type` "grok-1", `Grok1ModelForCausalLM`): Rook's config keys and tensor
 * names follow it, so names map to themselves and its config keys carry over. Its fixed parts become explicit:
 * GeGLU experts with JAX's tanh GELU (the math Grok-1 was trained with; the port's PyTorch code uses exact erf),
 * sandwich norms, top-k gates without renormalization, tied output, RoPE base 10000 unless `rope_theta` is given.
 */
import { parseModelConfig } from '../config';
import { presentKeys, type CheckpointFormat } from './format';

const portKeys = [
  'vocab_size', 'hidden_size', 'intermediate_size', 'num_hidden_layers', 'num_attention_heads', 'num_key_value_heads', 'head_dim',
  'num_experts', 'num_experts_per_tok', 'max_position_embeddings', 'rms_norm_eps', 'rope_theta', 'attn_output_multiplier', 'max_attn_value',
  'embedding_multiplier_scale', 'output_multiplier_scale', 'tie_word_embeddings', 'bos_token_id', 'eos_token_id', 'pad_token_id',
];

export const hfGrok: CheckpointFormat = {
  label: 'Hugging Face Grok-1',
  modelConfig: (json, file) =>
    parseModelConfig(
      {
        ...presentKeys(json, portKeys),
        architecture: 'grok',
        expert_activation: 'geglu',
        gelu_approximation: 'tanh',
        norm_placement: 'sandwich',
        router_renormalize: false,
        router_logit_softcap: 0,
      },
      file,
    ),
  sourceName: (rookName) => rookName,
};
