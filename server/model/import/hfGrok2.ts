/**
 * xAI's Grok-2 checkpoint (`architectures` ["Grok1ForCausalLM"]), as SGLang's models/grok.py reads it: sandwich
 * norms (`pre_attn_norm`, `post_attn_norm`, `pre_moe_norm`, `post_moe_norm`), `self_attn.{q,k,v,o}_proj`, experts
 * `block_sparse_moe.experts.N.w1` (gate), `w3` (up), `w2` (down) routed by `block_sparse_moe.gate` through a router
 * soft-cap of 30 (fixed in SGLang) and a softmax whose top-k is not renormalized, and with `residual_moe` a GeGLU MLP
 * (`mlp.gate_proj`/`up_proj`/`down_proj`, `intermediate_size` wide; the experts are `moe_intermediate_size` wide)
 * added to the experts, the sum divided by √2. Attention scores scale·q·k with scale 1/sqrt(head_dim), times the
 * temperature of `attn_temperature_len`, capped at `attn_logit_softcapping`; logits times `output_multiplier_scale`,
 * capped at `final_logit_softcapping`; an untied `lm_head`. `rope_type` "original" is plain RoPE over the whole head
 * (SGLang's ScalingRotaryEmbedding keeps the unscaled frequencies and cos/sin; llama.cpp's converter writes it as YaRN).
 * GELU is the tanh form, as Grok-1's JAX code and llama.cpp compute it (SGLang's fused CUDA MoE kernel uses erf for
 * the experts). Other values of the fields SGLang and llama.cpp read differently are refused, naming the field.
 */
import { ModelConfigError, parseModelConfig } from '../config';
import { presentKeys, type CheckpointFormat } from './format';
import { namingOf, renamed } from './hfLlamaLayout';

/** Rook tensor-name patterns and the Grok-2 names they come from. */
const renames: [RegExp, string][] = [
  [/^model\.(norm|layers\.\d+\.(?:pre|post)_(?:attn|moe)_norm)\.scale$/, 'model.$1.weight'],
  [/^model\.layers\.(\d+)\.attn\.([qkvo])_proj\.weight$/, 'model.layers.$1.self_attn.$2_proj.weight'],
  [/^model\.layers\.(\d+)\.moe_block\.gate\.weight$/, 'model.layers.$1.block_sparse_moe.gate.weight'],
  [/^model\.layers\.(\d+)\.moe_block\.experts\.(\d+)\.linear\.weight$/, 'model.layers.$1.block_sparse_moe.experts.$2.w1.weight'],
  [/^model\.layers\.(\d+)\.moe_block\.experts\.(\d+)\.linear_v\.weight$/, 'model.layers.$1.block_sparse_moe.experts.$2.w3.weight'],
  [/^model\.layers\.(\d+)\.moe_block\.experts\.(\d+)\.linear_1\.weight$/, 'model.layers.$1.block_sparse_moe.experts.$2.w2.weight'],
  [/^model\.layers\.(\d+)\.moe_block\.shared_expert\.linear\.weight$/, 'model.layers.$1.mlp.gate_proj.weight'],
  [/^model\.layers\.(\d+)\.moe_block\.shared_expert\.linear_v\.weight$/, 'model.layers.$1.mlp.up_proj.weight'],
  [/^model\.layers\.(\d+)\.moe_block\.shared_expert\.linear_1\.weight$/, 'model.layers.$1.mlp.down_proj.weight'],
];

/** The fields Grok-2's config.json names as Rook does. */
const sameKeys = [
  'vocab_size', 'hidden_size', 'num_hidden_layers', 'num_attention_heads', 'num_key_value_heads', 'num_experts_per_tok', 'max_position_embeddings',
  'rms_norm_eps', 'rope_theta', 'embedding_multiplier_scale', 'output_multiplier_scale', 'final_logit_softcapping', 'bos_token_id', 'eos_token_id', 'pad_token_id',
];

/** SGLang's router soft-cap, which it applies whatever config.json says. */
const routerSoftcap = 30;

/** Rook's fields under Grok-2's keys, `[field, key]`, for messages. */
const renamedFields: [string, string][] = [
  ['num_experts', 'num_local_experts'],
  ['intermediate_size', 'moe_intermediate_size'],
  ['shared_expert_intermediate_size', 'intermediate_size'],
  ['max_attn_value', 'attn_logit_softcapping'],
];

export const hfGrok2: CheckpointFormat = {
  label: 'Grok-2 (xAI, SGLang layout)',
  naming: namingOf(renamedFields),
  modelConfig: (json, file) => {
    const refuse = (key: string, problem: string) => {
      throw new ModelConfigError(file, `field "${key}" is ${JSON.stringify(json[key])}; ${problem}`);
    };
    const given = (key: string) => json[key] !== undefined && json[key] !== null;
    if (given('rope_type') && json.rope_type !== 'original') refuse('rope_type', 'Rook reads Grok-2\'s "original" RoPE (the unscaled frequencies, as SGLang runs it); SGLang\'s scaled kinds have no counterpart in its graph');
    if (json.rope_rotate_half_dims === true) refuse('rope_rotate_half_dims', "Rook's graph rotates whole heads");
    if (given('attn_logit_softcapping_method') && json.attn_logit_softcapping_method !== 'tanh') refuse('attn_logit_softcapping_method', "Rook's graph caps attention logits as c·tanh(s/c)");
    if (given('router_logit_softcapping') && json.router_logit_softcapping !== routerSoftcap) refuse('router_logit_softcapping', `SGLang caps Grok's router logits at ${routerSoftcap} whatever the field says, and llama.cpp not at all; Rook follows SGLang, so another value would be read as ${routerSoftcap}`);
    const headDim = json.head_dim ?? 128;
    if (given('attn_output_multiplier') && json.attn_output_multiplier !== (headDim as number) ** -0.5) {
      refuse('attn_output_multiplier', `SGLang scales Grok-2's attention scores by 1/sqrt(head_dim) whatever the field says, and llama.cpp by the field: another value than ${(headDim as number) ** -0.5} has no one reading`);
    }
    const residual = json.residual_moe === true;
    if (residual && !given('intermediate_size')) throw new ModelConfigError(file, 'field "residual_moe" is true but "intermediate_size" (the residual MLP\'s width) is missing');
    const temperature = json.attn_temperature_len;
    return parseModelConfig(
      {
        ...presentKeys(json, sameKeys),
        architecture: 'grok',
        head_dim: headDim,
        num_experts: json.num_local_experts,
        intermediate_size: json.moe_intermediate_size ?? json.intermediate_size,
        shared_expert_intermediate_size: residual ? json.intermediate_size : 0,
        expert_sum_multiplier: residual ? Math.SQRT1_2 : 1,
        max_attn_value: json.attn_logit_softcapping ?? 30,
        // SGLang's -1 and absent both turn it off.
        attn_temperature_len: typeof temperature === 'number' && temperature > 0 ? temperature : 0,
        expert_activation: 'geglu',
        gelu_approximation: 'tanh',
        norm_placement: 'sandwich',
        router_renormalize: false,
        router_logit_softcap: routerSoftcap,
        tie_word_embeddings: false,
      },
      file,
      namingOf(renamedFields),
    );
  },
  sourceName: (rookName) => renamed(rookName, renames),
  // The release splits only the experts over its 8 ranks (SGLang's load_presharded_moe; llama.cpp's converter joins
  // the same way): gate (w1) and up (w3) by output rows, down (w2) by input columns.
  splitAxis: (sourceName) => {
    const weight = /\.block_sparse_moe\.experts\.\d+\.(w[123])\.weight$/.exec(sourceName)?.[1];
    return weight === undefined ? undefined : weight === 'w2' ? 1 : 0;
  },
};
