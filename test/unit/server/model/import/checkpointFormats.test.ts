import assert from 'node:assert/strict';
import { test } from 'node:test';
import { decoderTensorNames } from '../../../../../server/model/arch/decoder';
import { detectFormat } from '../../../../../server/model/import/detect';
import { hfGrok } from '../../../../../server/model/import/hfGrok';
import { hfGrok2 } from '../../../../../server/model/import/hfGrok2';
import { hfMixtral } from '../../../../../server/model/import/hfMixtral';
import { rookFolder } from '../../../../../server/model/import/rookFolder';

/** The Hugging Face Grok-1 port's published config.json. */
const grok1Config = {
  architectures: ['Grok1ModelForCausalLM'],
  model_type: 'grok-1',
  vocab_size: 131072,
  hidden_size: 6144,
  intermediate_size: 32768,
  num_hidden_layers: 64,
  num_attention_heads: 48,
  num_key_value_heads: 8,
  attn_output_multiplier: 0.08838834764831845,
  embedding_multiplier_scale: 78.38367176906169,
  output_multiplier_scale: 0.5773502691896257,
  max_attn_value: 30.0,
  max_position_embeddings: 8192,
  rms_norm_eps: 1e-5,
  use_cache: true,
  pad_token_id: 0,
  bos_token_id: 1,
  eos_token_id: 2,
  tie_word_embeddings: true,
  num_experts_per_tok: 2,
  num_experts: 8,
  output_router_logits: false,
  router_aux_loss_coef: 0.001,
  torch_dtype: 'bfloat16',
};

/** Mixtral-8x7B-v0.1's config.json. */
const mixtralConfig = {
  architectures: ['MixtralForCausalLM'],
  model_type: 'mixtral',
  vocab_size: 32000,
  hidden_size: 4096,
  intermediate_size: 14336,
  num_hidden_layers: 32,
  num_attention_heads: 32,
  num_key_value_heads: 8,
  num_local_experts: 8,
  num_experts_per_tok: 2,
  max_position_embeddings: 32768,
  sliding_window: null,
  rope_theta: 1e6,
  rms_norm_eps: 1e-5,
  hidden_act: 'silu',
  tie_word_embeddings: false,
  bos_token_id: 1,
  eos_token_id: 2,
  torch_dtype: 'bfloat16',
};

test('checkpoint formats: detected from model_type, from architectures alone, or Rook\'s own architecture key', () => {
  assert.equal(detectFormat(grok1Config, 'config.json'), hfGrok);
  assert.equal(detectFormat({ architectures: ['Grok1ModelForCausalLM'] }, 'config.json'), hfGrok);
  assert.equal(detectFormat(mixtralConfig, 'config.json'), hfMixtral);
  assert.equal(detectFormat({ architecture: 'grok' }, 'config.json'), rookFolder);
  assert.throws(() => detectFormat({ model_type: 'llama' }, '/ckpt/config.json'), /^ModelConfigError: \/ckpt\/config\.json: unknown model_type "llama" \(architectures \[\]\)/);
});

test('checkpoint formats: Grok-1\'s HF config maps to Grok-1\'s math (the facts in notes/grok-1.md)', () => {
  const config = hfGrok.modelConfig(grok1Config, 'config.json');
  assert.deepEqual(
    { ...config },
    {
      architecture: 'grok', vocabSize: 131072, hiddenSize: 6144, numLayers: 64, numHeads: 48, numKvHeads: 8, headDim: 128, numExperts: 8,
      numExpertsPerToken: 2, expertFfnSize: 32768, contextLength: 8192, rmsNormEps: 1e-5, ropeBase: 10000, expertActivation: 'geglu',
      geluApproximation: 'tanh', normPlacement: 'sandwich', routerRenormalize: false, embeddingMultiplier: 78.38367176906169,
      outputMultiplier: 0.5773502691896257, attentionScale: 0.08838834764831845, attentionSoftcap: 30, routerSoftcap: 0, tiedOutput: true,
      qkNorm: 'none', attentionBias: false, residualMultiplier: 1, sharedExpertFfnSize: 0, sharedExpertGate: false, expertSumMultiplier: 1, finalLogitSoftcap: 0, attentionTemperatureLength: 0, bosTokenId: 1,
      swigluLimit: 7, attentionOutputBias: false, attentionSinks: false, slidingWindow: 0, slidingWindowPattern: 1, expertBias: false, ropeScalingFactor: 1, ropeBetaFast: 32, ropeBetaSlow: 1, ropeTruncate: true, kvLoraRank: 0, qLoraRank: 0, ropeHeadDim: 0, vHeadDim: 0, denseLayers: 0, denseLayerIds: [], denseFfnSize: 0, routedScalingFactor: 1, ropeAttentionFactor: 0, addBosToken: true, stopTokenIds: [], ropeOriginalContext: 8192, eosTokenId: 2, padTokenId: 0, fimLayout: 'psm',
    },
  );
  assert.equal(hfGrok.sourceName(decoderTensorNames.layer(3).expertDown(7)), 'model.layers.3.moe_block.experts.7.linear_1.weight');
});

test('checkpoint formats: Mixtral\'s HF config maps to pre-norm SwiGLU with renormalized gates, no multipliers or caps', () => {
  const config = hfMixtral.modelConfig(mixtralConfig, 'config.json');
  assert.deepEqual(
    { ...config },
    {
      architecture: 'grok', vocabSize: 32000, hiddenSize: 4096, numLayers: 32, numHeads: 32, numKvHeads: 8, headDim: 128, numExperts: 8,
      numExpertsPerToken: 2, expertFfnSize: 14336, contextLength: 32768, rmsNormEps: 1e-5, ropeBase: 1e6, expertActivation: 'swiglu',
      geluApproximation: 'tanh', normPlacement: 'pre', routerRenormalize: true, embeddingMultiplier: 1, outputMultiplier: 1,
      attentionScale: 1 / Math.sqrt(128), attentionSoftcap: 0, routerSoftcap: 0, tiedOutput: false, qkNorm: 'none', attentionBias: false, residualMultiplier: 1,
      sharedExpertFfnSize: 0, sharedExpertGate: false, expertSumMultiplier: 1, finalLogitSoftcap: 0, attentionTemperatureLength: 0, bosTokenId: 1,
      swigluLimit: 7, attentionOutputBias: false, attentionSinks: false, slidingWindow: 0, slidingWindowPattern: 1, expertBias: false, ropeScalingFactor: 1, ropeBetaFast: 32, ropeBetaSlow: 1, ropeTruncate: true, kvLoraRank: 0, qLoraRank: 0, ropeHeadDim: 0, vHeadDim: 0, denseLayers: 0, denseLayerIds: [], denseFfnSize: 0, routedScalingFactor: 1, ropeAttentionFactor: 0, addBosToken: true, stopTokenIds: [], ropeOriginalContext: 32768, eosTokenId: 2, padTokenId: 0, fimLayout: 'psm',
    },
  );
  assert.equal(hfMixtral.modelConfig({ ...mixtralConfig, sliding_window: 4096 }, 'config.json').contextLength, 4096);
  assert.throws(() => hfMixtral.modelConfig({ ...mixtralConfig, hidden_act: 'gelu' }, '/m/config.json'), /^ModelConfigError: \/m\/config\.json: field "hidden_act" is "gelu"/);
  const { num_local_experts: _, ...withoutExperts } = mixtralConfig;
  assert.throws(() => hfMixtral.modelConfig(withoutExperts, '/m/config.json'), /\/m\/config\.json: missing field "num_local_experts"/);
});

test('checkpoint formats: every Rook tensor has its Mixtral name', () => {
  const layer = decoderTensorNames.layer(5);
  const pairs: [string, string][] = [
    [decoderTensorNames.embedding, 'model.embed_tokens.weight'],
    [decoderTensorNames.finalNorm, 'model.norm.weight'],
    [decoderTensorNames.output, 'lm_head.weight'],
    [layer.preAttnNorm, 'model.layers.5.input_layernorm.weight'],
    [layer.preMoeNorm, 'model.layers.5.post_attention_layernorm.weight'],
    [layer.q, 'model.layers.5.self_attn.q_proj.weight'],
    [layer.o, 'model.layers.5.self_attn.o_proj.weight'],
    [layer.router, 'model.layers.5.block_sparse_moe.gate.weight'],
    [layer.expertGate(6), 'model.layers.5.block_sparse_moe.experts.6.w1.weight'],
    [layer.expertUp(6), 'model.layers.5.block_sparse_moe.experts.6.w3.weight'],
    [layer.expertDown(6), 'model.layers.5.block_sparse_moe.experts.6.w2.weight'],
  ];
  for (const [rook, mixtral] of pairs) assert.equal(hfMixtral.sourceName(rook), mixtral);
});

test("checkpoint formats: Grok-2's config refuses the knobs SGLang and llama.cpp read differently, naming the field", () => {
  const grok2 = {
    architectures: ['Grok1ForCausalLM'], vocab_size: 131072, hidden_size: 8192, intermediate_size: 32768, moe_intermediate_size: 16384, num_hidden_layers: 64,
    num_attention_heads: 64, num_key_value_heads: 8, head_dim: 128, num_local_experts: 8, num_experts_per_tok: 2, max_position_embeddings: 131072,
    rope_theta: 208533496, rope_type: 'original', embedding_multiplier_scale: 90.50966799187809, output_multiplier_scale: 0.5, attn_logit_softcapping: 30,
    router_logit_softcapping: 30, final_logit_softcapping: 50, attn_temperature_len: 1024, residual_moe: true,
  };
  const config = hfGrok2.modelConfig(grok2, 'config.json');
  assert.deepEqual(
    [config.expertFfnSize, config.sharedExpertFfnSize, config.expertSumMultiplier, config.finalLogitSoftcap, config.attentionTemperatureLength, config.routerSoftcap, config.routerRenormalize, config.ropeScalingFactor, config.attentionScale, config.tiedOutput],
    [16384, 32768, Math.SQRT1_2, 50, 1024, 30, false, 1, 128 ** -0.5, false],
  );
  for (const [key, value] of [['rope_type', 'yarn'], ['router_logit_softcapping', 20], ['attn_output_multiplier', 0.5], ['rope_rotate_half_dims', true], ['attn_logit_softcapping_method', 'clamp']] as const) {
    assert.throws(() => hfGrok2.modelConfig({ ...grok2, [key]: value }, '/m/config.json'), new RegExp(`^ModelConfigError: /m/config\\.json: field "${key}"`));
  }
});
