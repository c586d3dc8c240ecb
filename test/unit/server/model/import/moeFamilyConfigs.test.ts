/**
 * The published config.json of a model of each family (as downloaded from Hugging Face) read as Rook's config: the
 * fields each family names its own way, the parts it fixes, and what Rook refuses to compute wrongly.
 */
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { decoderTensorNames } from '../../../../../server/model/arch/decoder';
import type { ModelConfig } from '../../../../../server/model/config';
import { detectFormat } from '../../../../../server/model/import/detect';
import { entryColumnsTransposed, entryRows, entryStrided } from '../../../../../server/model/import/format';
import { hfDeepseekV2 } from '../../../../../server/model/import/hfDeepseekV2';
import { hfGptOss } from '../../../../../server/model/import/hfGptOss';
import { hfGraniteMoe } from '../../../../../server/model/import/hfGraniteMoe';
import { ropeFrequencies } from '../../../../../server/model/onnx/layers';
import { hfOlmoe } from '../../../../../server/model/import/hfOlmoe';
import { hfQwen2Moe, hfQwen3Moe } from '../../../../../server/model/import/hfQwenMoe';
import { granite31A800m as granite } from '../../../../engine/publishedConfigs';

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

/** openai/gpt-oss-20b, as a BF16 release writes it (the MXFP4 release adds quantization_config). */
const gptOss = {
  architectures: ['GptOssForCausalLM'], attention_bias: true, attention_dropout: 0.0, eos_token_id: 200002, experts_per_token: 4, head_dim: 64,
  hidden_act: 'silu', hidden_size: 2880, initial_context_length: 4096, initializer_range: 0.02, intermediate_size: 2880,
  layer_types: Array.from({ length: 24 }, (_, i) => (i % 2 === 0 ? 'sliding_attention' : 'full_attention')), max_position_embeddings: 131072,
  model_type: 'gpt_oss', num_attention_heads: 64, num_experts_per_tok: 4, num_hidden_layers: 24, num_key_value_heads: 8, num_local_experts: 32,
  output_router_logits: false, pad_token_id: 199999, rms_norm_eps: 1e-5,
  rope_scaling: { beta_fast: 32.0, beta_slow: 1.0, factor: 32.0, original_max_position_embeddings: 4096, rope_type: 'yarn', truncate: false },
  rope_theta: 150000, router_aux_loss_coef: 0.9, sliding_window: 128, swiglu_limit: 7.0, tie_word_embeddings: false, use_cache: true, vocab_size: 201088,
};

const pick = (config: ModelConfig, keys: (keyof ModelConfig)[]) => Object.fromEntries(keys.map((k) => [k, config[k]]));
const shape: (keyof ModelConfig)[] = ['architecture', 'vocabSize', 'hiddenSize', 'numLayers', 'numHeads', 'numKvHeads', 'headDim', 'numExperts', 'numExpertsPerToken', 'expertFfnSize', 'contextLength'];
const math: (keyof ModelConfig)[] = ['normPlacement', 'expertActivation', 'routerRenormalize', 'qkNorm', 'attentionBias', 'sharedExpertFfnSize', 'sharedExpertGate', 'tiedOutput'];

test('families: each published config is detected by its model_type and architectures', () => {
  for (const [json, format] of [[qwen3Coder, hfQwen3Moe], [qwen15Moe, hfQwen2Moe], [olmoe, hfOlmoe], [granite, hfGraniteMoe], [gptOss, hfGptOss]] as const) {
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
  const up = hfGraniteMoe.sourcePart!(decoderTensorNames.layer(2).expertUp(3), config)!;
  assert.deepEqual([up.name, up.shape], ['model.layers.2.block_sparse_moe.input_linear.weight', [40, 1024, 1536]]);
  const whole = new Float32Array(40 * 1024 * 1536);
  assert.equal(up.select(whole).byteOffset, (3 * 1024 + 512) * 1536 * 4);
  assert.equal(up.select(whole).length, 512 * 1536);
  const down = hfGraniteMoe.sourcePart!(decoderTensorNames.layer(2).expertDown(3), config)!;
  assert.deepEqual([down.name, down.shape], ['model.layers.2.block_sparse_moe.output_linear.weight', [40, 1536, 512]]);
  assert.equal(hfGraniteMoe.sourcePart!(decoderTensorNames.layer(2).q, config), undefined);
  const shared = hfGraniteMoe.modelConfig({ ...granite, model_type: 'granitemoeshared', shared_intermediate_size: 1024 }, 'config.json');
  assert.equal(shared.sharedExpertFfnSize, 1024);
});

test('families: gpt-oss-20b: sinks, q/k/v/o biases, a 128-token window on even layers, YaRN x32, biased clamped-SwiGLU experts', () => {
  const config = hfGptOss.modelConfig(gptOss, 'config.json');
  assert.deepEqual(pick(config, shape), { architecture: 'gpt_oss', vocabSize: 201088, hiddenSize: 2880, numLayers: 24, numHeads: 64, numKvHeads: 8, headDim: 64, numExperts: 32, numExpertsPerToken: 4, expertFfnSize: 2880, contextLength: 131072 });
  assert.deepEqual(
    pick(config, ['expertActivation', 'swigluLimit', 'routerRenormalize', 'attentionBias', 'attentionOutputBias', 'attentionSinks', 'expertBias', 'slidingWindow', 'slidingWindowPattern', 'ropeScalingFactor', 'ropeOriginalContext', 'ropeBetaFast', 'ropeBetaSlow', 'ropeTruncate', 'ropeBase', 'tiedOutput']),
    { expertActivation: 'swiglu_clamped', swigluLimit: 7, routerRenormalize: true, attentionBias: true, attentionOutputBias: true, attentionSinks: true, expertBias: true, slidingWindow: 128, slidingWindowPattern: 2, ropeScalingFactor: 32, ropeOriginalContext: 4096, ropeBetaFast: 32, ropeBetaSlow: 1, ropeTruncate: false, ropeBase: 150000, tiedOutput: false },
  );
  assert.equal(hfGptOss.sourceName(decoderTensorNames.layer(4).sinks), 'model.layers.4.self_attn.sinks');
  assert.equal(hfGptOss.sourceName(decoderTensorNames.layer(4).routerBias), 'model.layers.4.mlp.router.bias');
  assert.equal(hfGptOss.sourceName(decoderTensorNames.layer(4).oBias), 'model.layers.4.self_attn.o_proj.bias');
  assert.equal(hfGptOss.sourcePart!(decoderTensorNames.layer(4).expertUp(9), config)!.name, 'model.layers.4.mlp.experts.gate_up_proj');
  assert.equal(hfGptOss.sourcePart!(decoderTensorNames.layer(4).expertDownBias(9), config)!.name, 'model.layers.4.mlp.experts.down_proj_bias');
  assert.equal(hfGptOss.modelConfig({ ...gptOss, layer_types: gptOss.layer_types.map(() => 'full_attention') }, 'c.json').slidingWindow, 0);
});

test('families: YaRN frequencies: dims below the ramp kept, above it divided by the factor, a linear mix between; truncate rounds the ends', () => {
  // gpt-oss-20b: head_dim 64, base 150000, factor 32 over 4096 positions: the ramp runs from dim 8.09 to 17.40.
  const scaling = { factor: 32, originalContext: 4096, betaFast: 32, betaSlow: 1, truncate: false };
  const plain = ropeFrequencies(64, 150000);
  const { inverse, attentionFactor } = ropeFrequencies(64, 150000, scaling);
  const dim = (rotations: number) => (64 * Math.log(4096 / (rotations * 2 * Math.PI))) / (2 * Math.log(150000));
  const [low, high] = [dim(32), dim(1)];
  assert.ok(Math.abs(low - 8.09) < 0.01 && Math.abs(high - 17.4) < 0.01, `${low} ${high}`);
  assert.equal(attentionFactor, 0.1 * Math.log(32) + 1);
  assert.equal(plain.attentionFactor, 1);
  for (const i of [0, 8]) assert.equal(inverse[i], plain.inverse[i]);
  for (const i of [18, 31]) assert.ok(Math.abs(inverse[i] - plain.inverse[i] / 32) < 1e-18);
  const kept = 1 - (12 - low) / (high - low);
  assert.ok(Math.abs(inverse[12] - (plain.inverse[12] / 32) * (1 - kept) - plain.inverse[12] * kept) < 1e-15);
  // Rounded ends (8, 18): dim 8 is still kept, dim 12 mixes with another weight.
  const truncated = ropeFrequencies(64, 150000, { ...scaling, truncate: true }).inverse;
  const keptTruncated = 1 - (12 - 8) / (18 - 8);
  assert.ok(Math.abs(truncated[12] - (plain.inverse[12] / 32) * (1 - keptTruncated) - plain.inverse[12] * keptTruncated) < 1e-15);
  assert.notEqual(truncated[12], inverse[12]);
});

test('families: a fused tensor part is the entry and rows asked for (a view), or the strided columns transposed', () => {
  // [2 experts, 4 rows (2 gate, 2 up), 3 columns]
  const whole = Float32Array.from({ length: 24 }, (_, i) => i);
  assert.deepEqual([...entryRows([2, 4, 3], 1, [2, 4])(whole)], [18, 19, 20, 21, 22, 23]);
  assert.deepEqual([...entryRows([2, 4, 3], 0, [0, 2])(whole)], [0, 1, 2, 3, 4, 5]);
  assert.deepEqual([...entryRows([8, 3], undefined, [6, 8])(whole)], [18, 19, 20, 21, 22, 23]);
  assert.equal(entryRows([2, 4, 3], 1)(whole).buffer, whole.buffer);
  // [2 experts, 3 inputs, 4 outputs interleaved gate/up]: expert 1's gate columns 0 and 2, as [2 columns, 3 inputs].
  assert.deepEqual([...entryColumnsTransposed([2, 3, 4], 1, 0, 2)(whole)], [12, 16, 20, 14, 18, 22]);
  assert.deepEqual([...entryColumnsTransposed([2, 3, 4], 1, 1, 2)(whole)], [13, 17, 21, 15, 19, 23]);
  assert.deepEqual([...entryColumnsTransposed([2, 3, 4], 0, 0, 1)(whole)], [0, 4, 8, 1, 5, 9, 2, 6, 10, 3, 7, 11]);
  assert.deepEqual([...entryStrided([3, 8], 2, 1, 2)(whole)], [17, 19, 21, 23]);
});

test('families: what Rook would compute wrongly is refused, naming the field', () => {
  const refusals: [() => unknown, RegExp][] = [
    [() => hfQwen3Moe.modelConfig({ ...qwen3Coder, rope_scaling: { rope_type: 'linear', factor: 4 } }, 'c.json'), /field "rope_scaling" is .*linear.*plain RoPE and YaRN/],
    [() => hfQwen3Moe.modelConfig({ ...qwen3Coder, rope_scaling: { rope_type: 'yarn', factor: 4, mscale: 0.7 } }, 'c.json'), /field "rope_scaling" is .*mscale/],
    [() => hfGptOss.modelConfig({ ...gptOss, quantization_config: { quant_method: 'bitsandbytes' } }, 'c.json'), /is quantized \(quantization_config.quant_method "bitsandbytes"\); Rook converts gpt-oss from its MXFP4 or a BF16 release/],
    [() => hfGptOss.modelConfig({ ...gptOss, layer_types: ['full_attention', ...gptOss.layer_types.slice(1)] }, 'c.json'), /field "layer_types" is .*gpt-oss's pattern/],
    [() => hfQwen3Moe.modelConfig({ ...qwen3Coder, decoder_sparse_step: 0 }, 'c.json'), /bad value for field "decoder_sparse_step": 0; expected a positive integer/],
    [() => hfQwen2Moe.modelConfig({ ...qwen15Moe, mlp_only_layers: [0, 24] }, 'c.json'), /bad value for field "mlp_only_layers": \[0,24\]; expected a list of layer indexes below "num_hidden_layers" \(24\)/],
    [() => hfQwen2Moe.modelConfig({ ...qwen15Moe, mlp_only_layers: { 0: 1 } }, 'c.json'), /bad value for field "mlp_only_layers"/],
    [() => hfQwen3Moe.modelConfig({ ...qwen3Coder, mlp_only_layers: [1], intermediate_size: undefined }, 'c.json'), /missing field "intermediate_size"; the dense layers \(1 of 48\) need their size/],
    [() => hfQwen3Moe.modelConfig({ ...qwen3Coder, norm_topk_prob: 'yes' }, 'c.json'), /bad value for field "norm_topk_prob"/],
    [() => hfOlmoe.modelConfig({ ...olmoe, clip_qkv: 8 }, 'c.json'), /field "clip_qkv" is 8/],
    [() => hfGraniteMoe.modelConfig({ ...granite, logits_scaling: 0 }, 'c.json'), /bad value for field "logits_scaling"/],
    [() => hfGraniteMoe.modelConfig({ ...granite, hidden_act: 'gelu' }, 'c.json'), /field "hidden_act" is "gelu"; Granite MoE experts are converted as SwiGLU/],
    [() => hfQwen3Moe.modelConfig({ ...qwen3Coder, moe_intermediate_size: undefined }, 'c.json'), /missing field "moe_intermediate_size"/],
    [() => hfQwen3Moe.modelConfig({ ...qwen3Coder, num_experts: 2 ** 20 }, 'c.json'), /field "num_experts" is 1048576, over Rook's limit/],
  ];
  for (const [read, pattern] of refusals) assert.throws(read, (error: Error) => (assert.match(error.message, pattern), assert.equal(error.name, 'ModelConfigError'), true));
  // The MXFP4 release reads as the BF16 one (its experts are decoded from their blocks and scales).
  const mxfp4 = { ...gptOss, quantization_config: { quant_method: 'mxfp4', modules_to_not_convert: ['model.layers.*.self_attn', 'model.layers.*.mlp.router', 'model.embed_tokens', 'lm_head'] } };
  assert.deepEqual(hfGptOss.modelConfig(mxfp4, 'c.json'), hfGptOss.modelConfig(gptOss, 'c.json'));
  // YaRN itself converts (Qwen3's documented way to 128k).
  const long = hfQwen3Moe.modelConfig({ ...qwen3Coder, rope_scaling: { rope_type: 'yarn', factor: 4, original_max_position_embeddings: 32768 } }, 'c.json');
  assert.deepEqual([long.ropeScalingFactor, long.ropeOriginalContext, long.ropeTruncate], [4, 32768, true]);
});

test("families: Qwen-MoE's dense layers are those transformers builds dense: listed in mlp_only_layers, or skipped by decoder_sparse_step", () => {
  const dense = (fields: Record<string, unknown>) => {
    const config = hfQwen2Moe.modelConfig({ ...qwen15Moe, num_hidden_layers: 6, ...fields }, 'c.json');
    return { ids: config.denseLayerIds, size: config.denseFfnSize, first: config.denseLayers };
  };
  // Qwen2MoeDecoderLayer: sparse when i is not listed and (i + 1) % decoder_sparse_step == 0.
  assert.deepEqual(dense({}), { ids: [], size: 0, first: 0 });
  assert.deepEqual(dense({ mlp_only_layers: [1, 4] }), { ids: [1, 4], size: 5632, first: 0 });
  assert.deepEqual(dense({ decoder_sparse_step: 2 }), { ids: [0, 2, 4], size: 5632, first: 0 });
  assert.deepEqual(dense({ decoder_sparse_step: 3, mlp_only_layers: [5, 2, 5] }), { ids: [0, 1, 2, 3, 4, 5], size: 5632, first: 0 });
});

/** deepseek-ai/DeepSeek-Coder-V2-Lite-Base (auto_map and training-only fields left out). */
const deepseekCoderV2Lite = {
  architectures: ['DeepseekV2ForCausalLM'], attention_bias: false, attention_dropout: 0.0, aux_loss_alpha: 0.001, bos_token_id: 100000,
  eos_token_id: 100001, first_k_dense_replace: 1, hidden_act: 'silu', hidden_size: 2048, initializer_range: 0.02, intermediate_size: 10944,
  kv_lora_rank: 512, max_position_embeddings: 163840, model_type: 'deepseek_v2', moe_intermediate_size: 1408, moe_layer_freq: 1, n_group: 1,
  n_routed_experts: 64, n_shared_experts: 2, norm_topk_prob: false, num_attention_heads: 16, num_experts_per_tok: 6, num_hidden_layers: 27,
  num_key_value_heads: 16, pretraining_tp: 1, q_lora_rank: null, qk_nope_head_dim: 128, qk_rope_head_dim: 64, rms_norm_eps: 1e-6,
  rope_scaling: { beta_fast: 32, beta_slow: 1, factor: 40, mscale: 0.707, mscale_all_dim: 0.707, original_max_position_embeddings: 4096, type: 'yarn' },
  rope_theta: 10000, routed_scaling_factor: 1.0, scoring_func: 'softmax', seq_aux: true, tie_word_embeddings: false, topk_group: 1,
  topk_method: 'greedy', torch_dtype: 'bfloat16', use_cache: true, v_head_dim: 128, vocab_size: 102400,
};

test('families: DeepSeek-Coder-V2-Lite: latent attention (512 latent, 128 + 64 rotated per head, 128 values), a dense first layer, 2 shared experts, YaRN x40 with mscale', () => {
  assert.equal(detectFormat(deepseekCoderV2Lite, 'config.json'), hfDeepseekV2);
  const config = hfDeepseekV2.modelConfig(deepseekCoderV2Lite, 'config.json');
  assert.deepEqual(pick(config, shape), { architecture: 'deepseek_v2', vocabSize: 102400, hiddenSize: 2048, numLayers: 27, numHeads: 16, numKvHeads: 16, headDim: 192, numExperts: 64, numExpertsPerToken: 6, expertFfnSize: 1408, contextLength: 163840 });
  assert.deepEqual(
    pick(config, ['kvLoraRank', 'qLoraRank', 'ropeHeadDim', 'vHeadDim', 'denseLayers', 'denseFfnSize', 'sharedExpertFfnSize', 'sharedExpertGate', 'routerRenormalize', 'routedScalingFactor', 'ropeBase', 'ropeScalingFactor', 'ropeOriginalContext', 'ropeTruncate', 'ropeAttentionFactor', 'expertActivation', 'normPlacement', 'tiedOutput', 'bosTokenId', 'eosTokenId']),
    { kvLoraRank: 512, qLoraRank: 0, ropeHeadDim: 64, vHeadDim: 128, denseLayers: 1, denseFfnSize: 10944, sharedExpertFfnSize: 2816, sharedExpertGate: false, routerRenormalize: false, routedScalingFactor: 1, ropeBase: 10000, ropeScalingFactor: 40, ropeOriginalContext: 4096, ropeTruncate: true, ropeAttentionFactor: 1, expertActivation: 'swiglu', normPlacement: 'pre', tiedOutput: false, bosTokenId: 100000, eosTokenId: 100001 },
  );
  // modeling_deepseek.py: softmax_scale = 192^-0.5 · (0.1 · 0.707 · ln 40 + 1)².
  assert.ok(Math.abs(config.attentionScale - (0.1 * 0.707 * Math.log(40) + 1) ** 2 / Math.sqrt(192)) < 1e-12);
  const layer = decoderTensorNames.layer(3);
  assert.equal(hfDeepseekV2.sourceName(layer.kvA), 'model.layers.3.self_attn.kv_a_proj_with_mqa.weight');
  assert.equal(hfDeepseekV2.sourceName(layer.kvANorm), 'model.layers.3.self_attn.kv_a_layernorm.weight');
  assert.equal(hfDeepseekV2.sourceName(layer.sharedDown), 'model.layers.3.mlp.shared_experts.down_proj.weight');
  assert.equal(hfDeepseekV2.sourceName(decoderTensorNames.layer(0).denseGate), 'model.layers.0.mlp.gate_proj.weight');
  assert.equal(hfDeepseekV2.sourceName(layer.expertUp(5)), 'model.layers.3.mlp.experts.5.up_proj.weight');
  // k_b_proj and v_b_proj: each head's 128 key rows, then its 128 value rows, of kv_b_proj [16·256, 512].
  const kB = hfDeepseekV2.sourcePart!(layer.kB, config)!;
  const vB = hfDeepseekV2.sourcePart!(layer.vB, config)!;
  assert.deepEqual([kB.name, kB.shape], ['model.layers.3.self_attn.kv_b_proj.weight', [4096, 512]]);
  const whole = Float32Array.from({ length: 4096 * 512 }, (_, i) => Math.floor(i / 512));
  assert.deepEqual([kB.select(whole)[0], kB.select(whole)[128 * 512], vB.select(whole)[0], vB.select(whole)[128 * 512], vB.select(whole).length], [0, 256, 128, 384, 2048 * 512]);
  // DeepSeek-V2 (not Lite): the query bottleneck; its group-limited routing keeps 3 of 8 groups, which Rook refuses.
  const full = { ...deepseekCoderV2Lite, q_lora_rank: 1536, n_group: 8, topk_group: 3, topk_method: 'group_limited_greedy', routed_scaling_factor: 16.0 };
  assert.throws(() => hfDeepseekV2.modelConfig(full, 'c.json'), /field "topk_method" is "group_limited_greedy" with "n_group" 8 and "topk_group" 3/);
  const allGroups = hfDeepseekV2.modelConfig({ ...full, topk_group: 8 }, 'c.json');
  assert.deepEqual([allGroups.qLoraRank, allGroups.routedScalingFactor], [1536, 16]);
});

test('families: DeepSeek-V2 configs Rook would compute wrongly are refused, naming the field', () => {
  const refusals: [Record<string, unknown>, RegExp][] = [
    [{ topk_method: 'noaux_tc' }, /field "topk_method" is "noaux_tc"/],
    [{ scoring_func: 'sigmoid' }, /field "scoring_func" is "sigmoid"/],
    [{ moe_layer_freq: 2 }, /field "moe_layer_freq" is 2/],
    [{ n_routed_experts: null }, /missing field "n_routed_experts"/],
    [{ attention_bias: true }, /field "attention_bias" is true/],
    [{ norm_topk_prob: true, routed_scaling_factor: 2.5 }, /fields "norm_topk_prob" true and "routed_scaling_factor" 2.5/],
    [{ rope_scaling: { type: 'linear', factor: 4 } }, /field "rope_scaling" is .*linear.*plain RoPE or YaRN/],
    [{ kv_lora_rank: undefined }, /missing field "kv_lora_rank"/],
    [{ qk_rope_head_dim: 0 }, /field "qk_rope_head_dim" \(0\) must be even, above 0/],
  ];
  for (const [change, pattern] of refusals) {
    assert.throws(() => hfDeepseekV2.modelConfig({ ...deepseekCoderV2Lite, ...change }, 'c.json'), (error: Error) => (assert.match(error.message, pattern), assert.equal(error.name, 'ModelConfigError'), true));
  }
});
