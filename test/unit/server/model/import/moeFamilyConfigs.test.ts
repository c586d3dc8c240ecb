/**
 * The published config.json of a model of each family (as downloaded from Hugging Face) read as Rook's config: the
 * fields each family names its own way, the parts it fixes, and what Rook refuses to compute wrongly.
 */
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { decoderTensorNames } from '../../../../../server/model/arch/decoder';
import type { ModelConfig } from '../../../../../server/model/config';
import { detectFormat } from '../../../../../server/model/import/detect';
import { tensorPart } from '../../../../../server/model/import/format';
import { hfGraniteMoe } from '../../../../../server/model/import/hfGraniteMoe';
import { hfOlmoe } from '../../../../../server/model/import/hfOlmoe';
import { hfQwen2Moe, hfQwen3Moe } from '../../../../../server/model/import/hfQwenMoe';

/** Qwen/Qwen3-Coder-30B-A3B-Instruct. */
const qwen3Coder = {
  architectures: ['Qwen3MoeForCausalLM'], attention_bias: false, attention_dropout: 0.0, decoder_sparse_step: 1, eos_token_id: 151645, head_dim: 128,
  hidden_act: 'silu', hidden_size: 2048, initializer_range: 0.02, intermediate_size: 5472, max_position_embeddings: 262144, max_window_layers: 28,
  mlp_only_layers: [], model_type: 'qwen3_moe', moe_intermediate_size: 768, norm_topk_prob: true, num_attention_heads: 32, num_experts: 128,
  num_experts_per_tok: 8, num_hidden_layers: 48, num_key_value_heads: 4, output_router_logits: false, rms_norm_eps: 1e-6, rope_scaling: null,
  rope_theta: 10000000, router_aux_loss_coef: 0.0, shared_expert_intermediate_size: 0, sliding_window: null, tie_word_embeddings: false,
  torch_dtype: 'bfloat16', use_cache: true, use_qk_norm: true, use_sliding_window: false, vocab_size: 151936,
};

/** Qwen/Qwen1.5-MoE-A2.7B. */
const qwen15Moe = {
  architectures: ['Qwen2MoeForCausalLM'], attention_dropout: 0.0, bos_token_id: 151643, decoder_sparse_step: 1, eos_token_id: 151643, hidden_act: 'silu',
  hidden_size: 2048, initializer_range: 0.02, intermediate_size: 5632, max_position_embeddings: 8192, max_window_layers: 21, model_type: 'qwen2_moe',
  moe_intermediate_size: 1408, norm_topk_prob: false, num_attention_heads: 16, num_experts: 60, num_experts_per_tok: 4, num_hidden_layers: 24,
  num_key_value_heads: 16, output_router_logits: false, rms_norm_eps: 1e-6, rope_theta: 1000000.0, router_aux_loss_coef: 0.001,
  shared_expert_intermediate_size: 5632, sliding_window: 32768, tie_word_embeddings: false, torch_dtype: 'bfloat16', use_cache: true,
  use_sliding_window: false, vocab_size: 151936,
};

/** allenai/OLMoE-1B-7B-0924. */
const olmoe = {
  architectures: ['OlmoeForCausalLM'], attention_bias: false, attention_dropout: 0.0, clip_qkv: null, eos_token_id: 50279, hidden_act: 'silu',
  hidden_size: 2048, initializer_range: 0.02, intermediate_size: 1024, max_position_embeddings: 4096, model_type: 'olmoe', norm_topk_prob: false,
  num_attention_heads: 16, num_experts: 64, num_experts_per_tok: 8, num_hidden_layers: 16, num_key_value_heads: 16, output_router_logits: false,
  pad_token_id: 1, rms_norm_eps: 1e-5, rope_scaling: null, rope_theta: 10000.0, router_aux_loss_coef: 0.01, tie_word_embeddings: false,
  torch_dtype: 'float32', use_cache: true, vocab_size: 50304,
};

/** ibm-granite/granite-3.1-3b-a800m-instruct. */
const granite = {
  architectures: ['GraniteMoeForCausalLM'], attention_bias: false, attention_dropout: 0.1, attention_multiplier: 0.015625, bos_token_id: 0,
  embedding_multiplier: 12.0, eos_token_id: 0, hidden_act: 'silu', hidden_size: 1536, initializer_range: 0.02, intermediate_size: 512,
  logits_scaling: 6.0, max_position_embeddings: 131072, model_type: 'granitemoe', num_attention_heads: 24, num_experts_per_tok: 8,
  num_hidden_layers: 32, num_key_value_heads: 8, num_local_experts: 40, output_router_logits: false, pad_token_id: 0, residual_multiplier: 0.22,
  rms_norm_eps: 1e-6, rope_scaling: null, rope_theta: 10000000.0, router_aux_loss_coef: 0.0, tie_word_embeddings: true, torch_dtype: 'bfloat16',
  use_cache: true, vocab_size: 49155,
};

const pick = (config: ModelConfig, keys: (keyof ModelConfig)[]) => Object.fromEntries(keys.map((k) => [k, config[k]]));
const shape: (keyof ModelConfig)[] = ['architecture', 'vocabSize', 'hiddenSize', 'numLayers', 'numHeads', 'numKvHeads', 'headDim', 'numExperts', 'numExpertsPerToken', 'expertFfnSize', 'contextLength'];
const math: (keyof ModelConfig)[] = ['normPlacement', 'expertActivation', 'routerRenormalize', 'qkNorm', 'attentionBias', 'sharedExpertFfnSize', 'sharedExpertGate', 'tiedOutput'];

test('families: each published config is detected by its model_type and architectures', () => {
  for (const [json, format] of [[qwen3Coder, hfQwen3Moe], [qwen15Moe, hfQwen2Moe], [olmoe, hfOlmoe], [granite, hfGraniteMoe]] as const) {
    assert.equal(detectFormat(json, 'config.json'), format);
    assert.equal(detectFormat({ architectures: json.architectures }, 'config.json'), format);
  }
  assert.equal(detectFormat({ model_type: 'granitemoeshared' }, 'config.json'), hfGraniteMoe);
});

test('families: Qwen3-Coder-30B-A3B: 128 experts top-8 of moe_intermediate_size, renormalized, per-head q/k norm, 128-wide heads', () => {
  const config = hfQwen3Moe.modelConfig(qwen3Coder, 'config.json');
  assert.deepEqual(pick(config, shape), { architecture: 'qwen3_moe', vocabSize: 151936, hiddenSize: 2048, numLayers: 48, numHeads: 32, numKvHeads: 4, headDim: 128, numExperts: 128, numExpertsPerToken: 8, expertFfnSize: 768, contextLength: 262144 });
  assert.deepEqual(pick(config, math), { normPlacement: 'pre', expertActivation: 'swiglu', routerRenormalize: true, qkNorm: 'head', attentionBias: false, sharedExpertFfnSize: 0, sharedExpertGate: false, tiedOutput: false });
  assert.deepEqual([config.eosTokenId, config.ropeBase, config.rmsNormEps, config.embeddingMultiplier, config.outputMultiplier, config.attentionSoftcap], [151645, 1e7, 1e-6, 1, 1, 0]);
  assert.equal(config.attentionScale, 1 / Math.sqrt(128));
  assert.equal(hfQwen3Moe.sourceName(decoderTensorNames.layer(5).qNorm), 'model.layers.5.self_attn.q_norm.weight');
  assert.equal(hfQwen3Moe.sourceName(decoderTensorNames.layer(5).expertUp(127)), 'model.layers.5.mlp.experts.127.up_proj.weight');
  assert.equal(hfQwen3Moe.sourceName(decoderTensorNames.embedding), 'model.embed_tokens.weight');
});

test('families: Qwen1.5-MoE-A2.7B: q/k/v biases, a sigmoid-gated shared expert, gates not renormalized', () => {
  const config = hfQwen2Moe.modelConfig(qwen15Moe, 'config.json');
  assert.deepEqual(pick(config, shape), { architecture: 'qwen2_moe', vocabSize: 151936, hiddenSize: 2048, numLayers: 24, numHeads: 16, numKvHeads: 16, headDim: 128, numExperts: 60, numExpertsPerToken: 4, expertFfnSize: 1408, contextLength: 8192 });
  assert.deepEqual(pick(config, math), { normPlacement: 'pre', expertActivation: 'swiglu', routerRenormalize: false, qkNorm: 'none', attentionBias: true, sharedExpertFfnSize: 5632, sharedExpertGate: true, tiedOutput: false });
  assert.equal(hfQwen2Moe.sourceName(decoderTensorNames.layer(0).kBias), 'model.layers.0.self_attn.k_proj.bias');
  assert.equal(hfQwen2Moe.sourceName(decoderTensorNames.layer(0).sharedExpertGate), 'model.layers.0.mlp.shared_expert_gate.weight');
  assert.equal(hfQwen2Moe.sourceName(decoderTensorNames.layer(0).sharedDown), 'model.layers.0.mlp.shared_expert.down_proj.weight');
});

test('families: OLMoE-1B-7B: q/k norm over the whole projection, 64 experts top-8, no renormalization, untied', () => {
  const config = hfOlmoe.modelConfig(olmoe, 'config.json');
  assert.deepEqual(pick(config, shape), { architecture: 'olmoe', vocabSize: 50304, hiddenSize: 2048, numLayers: 16, numHeads: 16, numKvHeads: 16, headDim: 128, numExperts: 64, numExpertsPerToken: 8, expertFfnSize: 1024, contextLength: 4096 });
  assert.deepEqual(pick(config, math), { normPlacement: 'pre', expertActivation: 'swiglu', routerRenormalize: false, qkNorm: 'projection', attentionBias: false, sharedExpertFfnSize: 0, sharedExpertGate: false, tiedOutput: false });
  assert.deepEqual([config.eosTokenId, config.padTokenId], [50279, 1]);
});

test('families: granite-3.1-3b-a800m: its four multipliers, 40 fused experts top-8, tied embeddings', () => {
  const config = hfGraniteMoe.modelConfig(granite, 'config.json');
  assert.deepEqual(pick(config, shape), { architecture: 'granitemoe', vocabSize: 49155, hiddenSize: 1536, numLayers: 32, numHeads: 24, numKvHeads: 8, headDim: 64, numExperts: 40, numExpertsPerToken: 8, expertFfnSize: 512, contextLength: 131072 });
  assert.deepEqual(pick(config, math), { normPlacement: 'pre', expertActivation: 'swiglu', routerRenormalize: true, qkNorm: 'none', attentionBias: false, sharedExpertFfnSize: 0, sharedExpertGate: false, tiedOutput: true });
  assert.deepEqual([config.embeddingMultiplier, config.attentionScale, config.residualMultiplier, config.outputMultiplier], [12, 0.015625, 0.22, 1 / 6]);
  assert.equal(hfGraniteMoe.sourceName(decoderTensorNames.layer(2).router), 'model.layers.2.block_sparse_moe.router.layer.weight');
  // Expert 3's up rows are the second half of its entry of the fused input_linear.
  assert.deepEqual(hfGraniteMoe.sourcePart!(decoderTensorNames.layer(2).expertUp(3), config), { name: 'model.layers.2.block_sparse_moe.input_linear.weight', shape: [40, 1024, 1536], index: 3, rows: [512, 1024] });
  assert.deepEqual(hfGraniteMoe.sourcePart!(decoderTensorNames.layer(2).expertDown(3), config), { name: 'model.layers.2.block_sparse_moe.output_linear.weight', shape: [40, 1536, 512], index: 3 });
  assert.equal(hfGraniteMoe.sourcePart!(decoderTensorNames.layer(2).q, config), undefined);
  const shared = hfGraniteMoe.modelConfig({ ...granite, model_type: 'granitemoeshared', shared_intermediate_size: 1024 }, 'config.json');
  assert.equal(shared.sharedExpertFfnSize, 1024);
});

test('families: a fused tensor part is the entry and rows asked for, as a view', () => {
  // [2 experts, 4 rows (2 gate, 2 up), 3 columns]
  const whole = { shape: [2, 4, 3], data: Float32Array.from({ length: 24 }, (_, i) => i) };
  assert.deepEqual([...tensorPart(whole, { name: 'w', shape: [2, 4, 3], index: 1, rows: [2, 4] }, [2, 3]).data], [18, 19, 20, 21, 22, 23]);
  assert.deepEqual([...tensorPart(whole, { name: 'w', shape: [2, 4, 3], index: 0, rows: [0, 2] }, [2, 3]).data], [0, 1, 2, 3, 4, 5]);
  assert.deepEqual([...tensorPart(whole, { name: 'w', shape: [8, 3], rows: [6, 8] }, [2, 3]).data], [18, 19, 20, 21, 22, 23]);
  assert.equal(tensorPart(whole, { name: 'w', shape: [2, 4, 3], index: 1 }, [4, 3]).data.buffer, whole.data.buffer);
});

test('families: what Rook would compute wrongly is refused, naming the field', () => {
  const refusals: [() => unknown, RegExp][] = [
    [() => hfQwen3Moe.modelConfig({ ...qwen3Coder, rope_scaling: { rope_type: 'yarn', factor: 4, original_max_position_embeddings: 32768 } }, 'c.json'), /field "rope_scaling" is .*yarn.*plain RoPE only/],
    [() => hfQwen3Moe.modelConfig({ ...qwen3Coder, decoder_sparse_step: 2 }, 'c.json'), /field "decoder_sparse_step" is 2; Rook runs models whose every layer is a mixture of experts/],
    [() => hfQwen2Moe.modelConfig({ ...qwen15Moe, mlp_only_layers: [0, 3] }, 'c.json'), /field "mlp_only_layers" is \[0,3\]/],
    [() => hfQwen3Moe.modelConfig({ ...qwen3Coder, norm_topk_prob: 'yes' }, 'c.json'), /bad value for field "norm_topk_prob"/],
    [() => hfOlmoe.modelConfig({ ...olmoe, clip_qkv: 8 }, 'c.json'), /field "clip_qkv" is 8/],
    [() => hfGraniteMoe.modelConfig({ ...granite, logits_scaling: 0 }, 'c.json'), /bad value for field "logits_scaling"/],
    [() => hfGraniteMoe.modelConfig({ ...granite, hidden_act: 'gelu' }, 'c.json'), /field "hidden_act" is "gelu"; Granite MoE experts are converted as SwiGLU/],
    [() => hfQwen3Moe.modelConfig({ ...qwen3Coder, moe_intermediate_size: undefined }, 'c.json'), /missing field "moe_intermediate_size"/],
    [() => hfQwen3Moe.modelConfig({ ...qwen3Coder, num_experts: 2 ** 20 }, 'c.json'), /field "num_experts" is 1048576, over Rook's limit/],
  ];
  for (const [read, pattern] of refusals) assert.throws(read, (error: Error) => (assert.match(error.message, pattern), assert.equal(error.name, 'ModelConfigError'), true));
});
