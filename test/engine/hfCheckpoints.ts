/**
 * Tiny random checkpoints in Hugging Face's layouts (Grok-1 port, Grok-2, Mixtral, Qwen2-MoE, Qwen3-MoE, OLMoE, Granite MoE,
 * gpt-oss, DeepSeek-V2):
 * config.json with the HF keys, bf16
 * weights split over safetensors shards with a `model.safetensors.index.json`, and a tokenizer. Each comes with a
 * Rook folder of the same (bf16-rounded) weights built directly, which a conversion must reproduce.
 */
import assert from 'node:assert/strict';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { buildOnnxModel } from '../../server/model/build';
import { serializeModelConfig, type ModelConfig } from '../../server/model/config';
import { decodeFloats, encodeFloats } from '../../server/model/dtype';
import { decoderTensorNames } from '../../server/model/arch/decoder';
import { writeSafetensors } from '../../server/model/safetensors';
import { randomDecoderWeights, seededNormal, syntheticTokenizer, type SyntheticShape } from '../../server/model/synthetic';
import { stack, type FloatTensor, type Weights } from '../../server/model/tensor';
import { tinyGrok } from './fixtures';
import { tempDir } from '../support/tempDir';

/** Writes `weights` as `shards` safetensors files plus Hugging Face's index naming each tensor's shard. */
export function writeShardedCheckpoint(dir: string, weights: Weights, shards: number): void {
  const names = [...weights.keys()];
  const perShard = Math.ceil(names.length / shards);
  const weightMap: Record<string, string> = {};
  for (let s = 0; s < shards; s++) {
    const file = `model-${String(s + 1).padStart(5, '0')}-of-${String(shards).padStart(5, '0')}.safetensors`;
    const part = new Map(names.slice(s * perShard, (s + 1) * perShard).map((name) => [name, weights.get(name)!]));
    for (const name of part.keys()) weightMap[name] = file;
    writeSafetensors(path.join(dir, file), part, 'BF16');
  }
  fs.writeFileSync(path.join(dir, 'model.safetensors.index.json'), JSON.stringify({ metadata: { total_size: 0 }, weight_map: weightMap }));
}

function bf16Rounded(weights: Weights): Weights {
  return new Map([...weights].map(([name, t]) => [name, { shape: t.shape, data: decodeFloats(encodeFloats(t.data, 'BF16'), 'BF16') }]));
}

/** A Rook folder with these exact weights, built directly (no conversion). */
function directFolder(config: ModelConfig, weights: Weights, tokenizerJson: string): string {
  const dir = tempDir('direct');
  fs.writeFileSync(path.join(dir, 'config.json'), JSON.stringify(serializeModelConfig(config)));
  fs.writeFileSync(path.join(dir, 'tokenizer.json'), tokenizerJson);
  writeSafetensors(path.join(dir, 'model.safetensors'), weights);
  buildOnnxModel(dir);
  return dir;
}

export interface HfFixture {
  checkpoint: string;
  direct: string;
  config: ModelConfig;
  /** Rook tensor names in the order written; the checkpoint's own names via the format's mapping. */
  weights: Weights;
}

export const tinyHfGrok: SyntheticShape = { ...tinyGrok, embeddingMultiplier: 0.3, attentionScale: 1.5 };

/** The Grok-1 port's layout (its names are Rook's), with its SentencePiece `tokenizer.model` only. */
export function hfGrokCheckpoint(tokenizerModel: string, vocabSize: number, seed: number, shape: SyntheticShape = tinyHfGrok): HfFixture & { hfConfig: Record<string, unknown> } {
  const config: ModelConfig = { ...shape, vocabSize };
  const weights = bf16Rounded(randomDecoderWeights(config, seed));
  const checkpoint = tempDir('hf-grok');
  const hfConfig = {
    architectures: ['Grok1ModelForCausalLM'],
    model_type: 'grok-1',
    vocab_size: vocabSize,
    hidden_size: config.hiddenSize,
    intermediate_size: config.expertFfnSize,
    num_hidden_layers: config.numLayers,
    num_attention_heads: config.numHeads,
    num_key_value_heads: config.numKvHeads,
    attn_output_multiplier: config.attentionScale,
    embedding_multiplier_scale: config.embeddingMultiplier,
    output_multiplier_scale: config.outputMultiplier,
    max_attn_value: config.attentionSoftcap,
    max_position_embeddings: config.contextLength,
    rms_norm_eps: config.rmsNormEps,
    pad_token_id: 0,
    bos_token_id: 1,
    eos_token_id: 2,
    tie_word_embeddings: true,
    num_experts_per_tok: config.numExpertsPerToken,
    num_experts: config.numExperts,
    torch_dtype: 'bfloat16',
  };
  fs.writeFileSync(path.join(checkpoint, 'config.json'), JSON.stringify(hfConfig));
  fs.copyFileSync(tokenizerModel, path.join(checkpoint, 'tokenizer.model'));
  writeShardedCheckpoint(checkpoint, weights, 3);
  return { checkpoint, direct: '', config, weights, hfConfig };
}

/** Completes a fixture with its directly built Rook folder, given the tokenizer.json the conversion should produce. */
export function withDirectFolder<T extends HfFixture>(fixture: T, tokenizerJson: string): T {
  return { ...fixture, direct: directFolder(fixture.config, fixture.weights, tokenizerJson) };
}

export const tinyMixtral: SyntheticShape = {
  ...tinyGrok,
  expertActivation: 'swiglu',
  normPlacement: 'pre',
  routerRenormalize: true,
  embeddingMultiplier: 1,
  outputMultiplier: 1,
  attentionScale: 0.25,
  attentionSoftcap: 0,
  tiedOutput: false,
  ropeBase: 1e6,
};

/** The same tensors under Mixtral's names, spelled out here as the test's oracle for the converter's mapping. */
function mixtralNamed(config: ModelConfig, weights: Weights): Weights {
  const named = llamaStyleNamed(config, weights);
  for (let i = 0; i < config.numLayers; i++) {
    const rook = decoderTensorNames.layer(i);
    const moe = `model.layers.${i}.block_sparse_moe`;
    named.set(`${moe}.gate.weight`, weights.get(rook.router)!);
    for (let j = 0; j < config.numExperts; j++) {
      named.set(`${moe}.experts.${j}.w1.weight`, weights.get(rook.expertGate(j))!);
      named.set(`${moe}.experts.${j}.w3.weight`, weights.get(rook.expertUp(j))!);
      named.set(`${moe}.experts.${j}.w2.weight`, weights.get(rook.expertDown(j))!);
    }
  }
  assert.equal(named.size, weights.size);
  return named;
}

/** Mixtral's layout and names, with a tokenizer.json and a chat template in tokenizer_config.json. */
export function hfMixtralCheckpoint(seed: number): HfFixture {
  const tokenizer = syntheticTokenizer();
  const config: ModelConfig = { ...tinyMixtral, vocabSize: tokenizer.vocabSize };
  const weights = bf16Rounded(randomDecoderWeights(config, seed));
  const checkpoint = tempDir('hf-mixtral');
  fs.writeFileSync(
    path.join(checkpoint, 'config.json'),
    JSON.stringify({
      architectures: ['MixtralForCausalLM'],
      model_type: 'mixtral',
      vocab_size: config.vocabSize,
      hidden_size: config.hiddenSize,
      intermediate_size: config.expertFfnSize,
      num_hidden_layers: config.numLayers,
      num_attention_heads: config.numHeads,
      num_key_value_heads: config.numKvHeads,
      num_local_experts: config.numExperts,
      num_experts_per_tok: config.numExpertsPerToken,
      max_position_embeddings: 4096,
      sliding_window: config.contextLength,
      rms_norm_eps: config.rmsNormEps,
      rope_theta: config.ropeBase,
      hidden_act: 'silu',
      tie_word_embeddings: false,
      bos_token_id: 1,
      eos_token_id: 2,
      torch_dtype: 'bfloat16',
    }),
  );
  const tokenizerJson = JSON.stringify(tokenizer.json);
  fs.writeFileSync(path.join(checkpoint, 'tokenizer.json'), tokenizerJson);
  fs.writeFileSync(path.join(checkpoint, 'tokenizer_config.json'), JSON.stringify({ chat_template: '{% for m in messages %}[{{ m.role }}] {{ m.content }}\n{% endfor %}[assistant] ' }));
  writeShardedCheckpoint(checkpoint, mixtralNamed(config, weights), 2);
  return { checkpoint, direct: directFolder(config, weights, tokenizerJson), config, weights };
}

export const tinyQwen3Moe: SyntheticShape = { ...tinyMixtral, architecture: 'qwen3_moe', qkNorm: 'head', headDim: 32, attentionScale: 1 / Math.sqrt(32) };
/** Qwen3-MoE with dense layers between the sparse ones (`mlp_only_layers`), which no released Qwen-MoE model has. */
export const tinyQwen3MoeDense: SyntheticShape = { ...tinyQwen3Moe, numLayers: 3, denseLayerIds: [1], denseFfnSize: tinyQwen3Moe.expertFfnSize };
export const tinyQwen2Moe: SyntheticShape = { ...tinyMixtral, architecture: 'qwen2_moe', attentionBias: true, routerRenormalize: false, sharedExpertFfnSize: 80, sharedExpertGate: true };
/** OLMoE's released models have as many key/value heads as query heads, the only form llama.cpp's olmoe graph loads. */
export const tinyOlmoe: SyntheticShape = { ...tinyMixtral, architecture: 'olmoe', numKvHeads: tinyMixtral.numHeads, qkNorm: 'projection', routerRenormalize: false };
export const tinyGraniteMoe: SyntheticShape = {
  ...tinyMixtral,
  architecture: 'granitemoe',
  embeddingMultiplier: 1.5,
  attentionScale: 0.2,
  residualMultiplier: 0.7,
  outputMultiplier: 1 / 2,
  tiedOutput: false,
  ropeBase: 10000,
};
export const tinyGraniteMoeShared: SyntheticShape = { ...tinyGraniteMoe, sharedExpertFfnSize: 48 };

/**
 * gpt-oss with every part on: biases everywhere, sinks, a 6-token window on even layers (the 12-token prompt and 128
 * generated tokens run past it), YaRN stretching a 64-token original context 4-fold with the ramp's ends rounded
 * (as llama.cpp always does), clamped SwiGLU with the limit llama.cpp fixes (7: the clamp itself is checked in
 * mixtureOfExperts.test.ts, where the projections reach it).
 */
export const tinyGptOss: SyntheticShape = {
  ...tinyMixtral,
  architecture: 'gpt_oss',
  expertActivation: 'swiglu_clamped',
  swigluLimit: 7,
  attentionBias: true,
  attentionOutputBias: true,
  attentionSinks: true,
  slidingWindow: 6,
  slidingWindowPattern: 2,
  expertBias: true,
  ropeScalingFactor: 4,
  ropeOriginalContext: 64,
  ropeBase: 150000,
};

/**
 * DeepSeek-V2-Lite's shape scaled down, every part on: latent attention (32-wide latent, heads of 32 unrotated + 16
 * rotated dims, 32-wide values padded to 48), a dense first layer, two shared experts beside the routed ones, a
 * routed scaling factor, and YaRN stretching a 64-token context 4-fold with DeepSeek's mscale = mscale_all_dim
 * (0.707, as the released models: cos and sin unscaled, the softmax scale times mscale²).
 */
export const tinyDeepseekV2: SyntheticShape = {
  ...tinyMixtral,
  architecture: 'deepseek_v2',
  numLayers: 3,
  numKvHeads: tinyMixtral.numHeads,
  headDim: 48,
  kvLoraRank: 32,
  ropeHeadDim: 16,
  vHeadDim: 32,
  expertFfnSize: 32,
  sharedExpertFfnSize: 64,
  denseLayers: 1,
  denseFfnSize: 80,
  routerRenormalize: false,
  routedScalingFactor: 1.5,
  ropeBase: 10000,
  ropeScalingFactor: 4,
  ropeOriginalContext: 64,
  ropeAttentionFactor: 1,
  attentionScale: (0.1 * 0.707 * Math.log(4) + 1) ** 2 / Math.sqrt(48),
};

/** DeepSeek-V2 (not Lite): queries through a 24-wide bottleneck with its norm, renormalized top-k, no YaRN. */
export const tinyDeepseekV2Full: SyntheticShape = {
  ...tinyDeepseekV2,
  qLoraRank: 24,
  routerRenormalize: true,
  routedScalingFactor: 1,
  ropeScalingFactor: 1,
  ropeOriginalContext: tinyMixtral.contextLength,
  ropeAttentionFactor: 0,
  attentionScale: 1 / Math.sqrt(48),
};

/**
 * Grok-2's shape scaled down (GQA, untied output, its multipliers) with every part on that llama.cpp's grok graph
 * computes: the residual GeGLU MLP beside the experts, their sum times 1/√2, an active attention soft-cap (large
 * scale), a final logit soft-cap of 4 (it bends the larger random logits; at 2 it flattened the top ones into exact
 * ties, on which the engines' greedy tokens parted after 65-76 steps), YaRN stretching a 64-token
 * context 4-fold with llama.cpp's grok beta_fast of 8 (how its converter writes Grok-2's "original" RoPE), and its
 * router soft-cap of 30. Two parts are on but not exercised by llama.cpp: it never applies the router soft-cap (on
 * these router logits, |l| < 1, 30·tanh(l/30) moves them by < 1e-5) and always renormalizes the top-k gates, so the
 * model does too (Grok-2 itself does not); and it reads but never applies the attention temperature, so its length
 * (255) leaves every position of the 256-token context at 1. grokReference.test.ts checks all three in float64.
 */
export const tinyGrok2: SyntheticShape = {
  ...tinyGrok,
  numExperts: 8,
  tiedOutput: false,
  embeddingMultiplier: 0.5,
  outputMultiplier: 0.5,
  attentionScale: 2,
  routerRenormalize: true,
  routerSoftcap: 30,
  sharedExpertFfnSize: 80,
  expertSumMultiplier: Math.SQRT1_2,
  finalLogitSoftcap: 4,
  attentionTemperatureLength: 255,
  // Of Grok-2's magnitude (208533496, which a GGUF's float32 rounds: the rotary tables come from the base in float64).
  ropeBase: 2e8,
  ropeScalingFactor: 4,
  ropeOriginalContext: 64,
  ropeBetaFast: 8,
};

/** A family's tensors under its own Hugging Face names, spelled out per family as the test's oracle for the converter's mapping. */
type FamilyNaming = (config: ModelConfig, weights: Weights) => Weights;

/** The Llama-style tensors (embeddings, norms, attention with its biases and q/k norms) under transformers' names. */
function llamaStyleNamed(config: ModelConfig, weights: Weights): Weights {
  const named: Weights = new Map([
    ['model.embed_tokens.weight', weights.get(decoderTensorNames.embedding)!],
    ['model.norm.weight', weights.get(decoderTensorNames.finalNorm)!],
  ]);
  if (!config.tiedOutput) named.set('lm_head.weight', weights.get(decoderTensorNames.output)!);
  for (let i = 0; i < config.numLayers; i++) {
    const rook = decoderTensorNames.layer(i);
    const hf = `model.layers.${i}`;
    named.set(`${hf}.input_layernorm.weight`, weights.get(rook.preAttnNorm)!);
    named.set(`${hf}.post_attention_layernorm.weight`, weights.get(rook.preMoeNorm)!);
    for (const p of ['q', 'k', 'v', 'o'] as const) named.set(`${hf}.self_attn.${p}_proj.weight`, weights.get(rook[p])!);
    if (config.attentionBias) for (const p of ['q', 'k', 'v'] as const) named.set(`${hf}.self_attn.${p}_proj.bias`, weights.get(rook[`${p}Bias`])!);
    if (config.qkNorm !== 'none') for (const p of ['q', 'k'] as const) named.set(`${hf}.self_attn.${p}_norm.weight`, weights.get(rook[`${p}Norm`])!);
  }
  return named;
}

/**
 * Qwen2-MoE, Qwen3-MoE and OLMoE: `mlp.gate`, `mlp.experts.N.{gate,up,down}_proj`, Qwen2-MoE's `mlp.shared_expert(_gate)`;
 * Qwen's dense layers (`mlp_only_layers`) `mlp.{gate,up,down}_proj`.
 */
const qwenStyleNamed: FamilyNaming = (config, weights) => {
  const named = llamaStyleNamed(config, weights);
  for (let i = 0; i < config.numLayers; i++) {
    const rook = decoderTensorNames.layer(i);
    const mlp = `model.layers.${i}.mlp`;
    if (config.denseLayerIds.includes(i)) {
      named.set(`${mlp}.gate_proj.weight`, weights.get(rook.denseGate)!);
      named.set(`${mlp}.up_proj.weight`, weights.get(rook.denseUp)!);
      named.set(`${mlp}.down_proj.weight`, weights.get(rook.denseDown)!);
      continue;
    }
    named.set(`${mlp}.gate.weight`, weights.get(rook.router)!);
    for (let j = 0; j < config.numExperts; j++) {
      named.set(`${mlp}.experts.${j}.gate_proj.weight`, weights.get(rook.expertGate(j))!);
      named.set(`${mlp}.experts.${j}.up_proj.weight`, weights.get(rook.expertUp(j))!);
      named.set(`${mlp}.experts.${j}.down_proj.weight`, weights.get(rook.expertDown(j))!);
    }
    if (config.sharedExpertFfnSize > 0) {
      named.set(`${mlp}.shared_expert.gate_proj.weight`, weights.get(rook.sharedGate)!);
      named.set(`${mlp}.shared_expert.up_proj.weight`, weights.get(rook.sharedUp)!);
      named.set(`${mlp}.shared_expert.down_proj.weight`, weights.get(rook.sharedDown)!);
      named.set(`${mlp}.shared_expert_gate.weight`, weights.get(rook.sharedExpertGate)!);
    }
  }
  return named;
};

/** Rows of `tensors` one after another: `[rows_a + rows_b, cols]`. */
function concatRows(...tensors: FloatTensor[]): FloatTensor {
  const data = new Float32Array(tensors.reduce((n, t) => n + t.data.length, 0));
  let at = 0;
  for (const t of tensors) {
    data.set(t.data, at);
    at += t.data.length;
  }
  return { shape: [tensors.reduce((n, t) => n + t.shape[0], 0), tensors[0].shape[1]], data };
}

/**
 * Granite MoE: `block_sparse_moe.router.layer`, the experts fused as transformers' GraniteMoeParallelExperts holds
 * them (`input_linear` `[experts, 2·ffn, hidden]`, gate rows first; `output_linear` `[experts, hidden, ffn]`), and the
 * shared expert's `shared_mlp.input_linear` / `output_linear` likewise.
 */
const graniteNamed: FamilyNaming = (config, weights) => {
  const named = llamaStyleNamed(config, weights);
  const experts = Array.from({ length: config.numExperts }, (_, j) => j);
  for (let i = 0; i < config.numLayers; i++) {
    const rook = decoderTensorNames.layer(i);
    const moe = `model.layers.${i}.block_sparse_moe`;
    named.set(`${moe}.router.layer.weight`, weights.get(rook.router)!);
    named.set(`${moe}.input_linear.weight`, stack(experts.map((j) => concatRows(weights.get(rook.expertGate(j))!, weights.get(rook.expertUp(j))!))));
    named.set(`${moe}.output_linear.weight`, stack(experts.map((j) => weights.get(rook.expertDown(j))!)));
    if (config.sharedExpertFfnSize > 0) {
      named.set(`model.layers.${i}.shared_mlp.input_linear.weight`, concatRows(weights.get(rook.sharedGate)!, weights.get(rook.sharedUp)!));
      named.set(`model.layers.${i}.shared_mlp.output_linear.weight`, weights.get(rook.sharedDown)!);
    }
  }
  return named;
};

/** Columns of `[rows, cols]` matrices interleaved: out[k][2c] = a[c][k], out[k][2c + 1] = b[c][k] (input-major, gate/up alternating). */
function interleavedTransposed(a: FloatTensor, b: FloatTensor): FloatTensor {
  const [cols, inputs] = a.shape;
  const data = new Float32Array(inputs * 2 * cols);
  for (let k = 0; k < inputs; k++) {
    for (let c = 0; c < cols; c++) {
      data[k * 2 * cols + 2 * c] = a.data[c * inputs + k];
      data[k * 2 * cols + 2 * c + 1] = b.data[c * inputs + k];
    }
  }
  return { shape: [inputs, 2 * cols], data };
}

/** `[rows, cols]` as `[cols, rows]`. */
function transposed(t: FloatTensor): FloatTensor {
  const [rows, cols] = t.shape;
  const data = new Float32Array(rows * cols);
  for (let r = 0; r < rows; r++) for (let c = 0; c < cols; c++) data[c * rows + r] = t.data[r * cols + c];
  return { shape: [cols, rows], data };
}

/**
 * gpt-oss, as transformers' GptOssExperts and GptOssTopKRouter hold it: `self_attn.sinks`, `mlp.router.{weight,bias}`,
 * and the experts fused input-major (`gate_up_proj` `[experts, hidden, 2·ffn]` with gate and up columns alternating,
 * `down_proj` `[experts, ffn, hidden]`) with their biases (`gate_up_proj_bias` alternating likewise).
 */
const gptOssNamed: FamilyNaming = (config, weights) => {
  const named = llamaStyleNamed(config, weights);
  const experts = Array.from({ length: config.numExperts }, (_, j) => j);
  for (let i = 0; i < config.numLayers; i++) {
    const rook = decoderTensorNames.layer(i);
    const hf = `model.layers.${i}`;
    named.set(`${hf}.self_attn.o_proj.bias`, weights.get(rook.oBias)!);
    named.set(`${hf}.self_attn.sinks`, weights.get(rook.sinks)!);
    named.set(`${hf}.mlp.router.weight`, weights.get(rook.router)!);
    named.set(`${hf}.mlp.router.bias`, weights.get(rook.routerBias)!);
    named.set(`${hf}.mlp.experts.gate_up_proj`, stack(experts.map((j) => interleavedTransposed(weights.get(rook.expertGate(j))!, weights.get(rook.expertUp(j))!))));
    named.set(
      `${hf}.mlp.experts.gate_up_proj_bias`,
      stack(experts.map((j) => interleavedTransposed({ shape: [config.expertFfnSize, 1], data: weights.get(rook.expertGateBias(j))!.data }, { shape: [config.expertFfnSize, 1], data: weights.get(rook.expertUpBias(j))!.data })).map((t) => ({ shape: [t.data.length], data: t.data }))),
    );
    named.set(`${hf}.mlp.experts.down_proj`, stack(experts.map((j) => transposed(weights.get(rook.expertDown(j))!))));
    named.set(`${hf}.mlp.experts.down_proj_bias`, stack(experts.map((j) => weights.get(rook.expertDownBias(j))!)));
  }
  return named;
};

/**
 * DeepSeek-V2, as its modeling_deepseek.py names it: `self_attn.q_proj` (or `q_a_proj`, `q_a_layernorm`, `q_b_proj`),
 * `kv_a_proj_with_mqa`, `kv_a_layernorm`, `kv_b_proj` (per head: its key rows, then its value rows), `o_proj`; dense
 * layers' `mlp.{gate,up,down}_proj`; MoE layers' `mlp.gate`, `mlp.experts.N.*` and `mlp.shared_experts.*`.
 */
const deepseekNamed: FamilyNaming = (config, weights) => {
  const named: Weights = new Map([
    ['model.embed_tokens.weight', weights.get(decoderTensorNames.embedding)!],
    ['model.norm.weight', weights.get(decoderTensorNames.finalNorm)!],
  ]);
  if (!config.tiedOutput) named.set('lm_head.weight', weights.get(decoderTensorNames.output)!);
  const { numHeads: heads, headDim, ropeHeadDim, vHeadDim, kvLoraRank: rank } = config;
  const nope = headDim - ropeHeadDim;
  for (let i = 0; i < config.numLayers; i++) {
    const rook = decoderTensorNames.layer(i);
    const hf = `model.layers.${i}`;
    named.set(`${hf}.input_layernorm.weight`, weights.get(rook.preAttnNorm)!);
    named.set(`${hf}.post_attention_layernorm.weight`, weights.get(rook.preMoeNorm)!);
    if (config.qLoraRank > 0) {
      named.set(`${hf}.self_attn.q_a_proj.weight`, weights.get(rook.qA)!);
      named.set(`${hf}.self_attn.q_a_layernorm.weight`, weights.get(rook.qANorm)!);
      named.set(`${hf}.self_attn.q_b_proj.weight`, weights.get(rook.qB)!);
    } else {
      named.set(`${hf}.self_attn.q_proj.weight`, weights.get(rook.q)!);
    }
    named.set(`${hf}.self_attn.kv_a_proj_with_mqa.weight`, weights.get(rook.kvA)!);
    named.set(`${hf}.self_attn.kv_a_layernorm.weight`, weights.get(rook.kvANorm)!);
    const [k, v] = [weights.get(rook.kB)!, weights.get(rook.vB)!];
    const headRows = Array.from({ length: heads }, (_, h) => [
      { shape: [nope, rank], data: k.data.subarray(h * nope * rank, (h + 1) * nope * rank) },
      { shape: [vHeadDim, rank], data: v.data.subarray(h * vHeadDim * rank, (h + 1) * vHeadDim * rank) },
    ]).flat();
    named.set(`${hf}.self_attn.kv_b_proj.weight`, concatRows(...headRows));
    named.set(`${hf}.self_attn.o_proj.weight`, weights.get(rook.o)!);
    const mlp = `${hf}.mlp`;
    if (i < config.denseLayers) {
      named.set(`${mlp}.gate_proj.weight`, weights.get(rook.denseGate)!);
      named.set(`${mlp}.up_proj.weight`, weights.get(rook.denseUp)!);
      named.set(`${mlp}.down_proj.weight`, weights.get(rook.denseDown)!);
      continue;
    }
    named.set(`${mlp}.gate.weight`, weights.get(rook.router)!);
    for (let j = 0; j < config.numExperts; j++) {
      named.set(`${mlp}.experts.${j}.gate_proj.weight`, weights.get(rook.expertGate(j))!);
      named.set(`${mlp}.experts.${j}.up_proj.weight`, weights.get(rook.expertUp(j))!);
      named.set(`${mlp}.experts.${j}.down_proj.weight`, weights.get(rook.expertDown(j))!);
    }
    named.set(`${mlp}.shared_experts.gate_proj.weight`, weights.get(rook.sharedGate)!);
    named.set(`${mlp}.shared_experts.up_proj.weight`, weights.get(rook.sharedUp)!);
    named.set(`${mlp}.shared_experts.down_proj.weight`, weights.get(rook.sharedDown)!);
  }
  // Rook's k_b_proj and v_b_proj are one kv_b_proj per layer.
  assert.equal(named.size, weights.size - config.numLayers);
  return named;
};

/**
 * Grok-2, as xAI's checkpoint names it (SGLang's models/grok.py and llama.cpp's converter read these names): the four
 * sandwich norms under Grok's own names, `self_attn.*_proj`, `block_sparse_moe.gate` and `.experts.N.w1/w3/w2`, and
 * the residual MLP as `mlp.gate_proj/up_proj/down_proj`.
 */
const grok2Named: FamilyNaming = (config, weights) => {
  const named: Weights = new Map([
    ['model.embed_tokens.weight', weights.get(decoderTensorNames.embedding)!],
    ['model.norm.weight', weights.get(decoderTensorNames.finalNorm)!],
    ['lm_head.weight', weights.get(decoderTensorNames.output)!],
  ]);
  for (let i = 0; i < config.numLayers; i++) {
    const rook = decoderTensorNames.layer(i);
    const hf = `model.layers.${i}`;
    named.set(`${hf}.pre_attn_norm.weight`, weights.get(rook.preAttnNorm)!);
    named.set(`${hf}.post_attn_norm.weight`, weights.get(rook.postAttnNorm)!);
    named.set(`${hf}.pre_moe_norm.weight`, weights.get(rook.preMoeNorm)!);
    named.set(`${hf}.post_moe_norm.weight`, weights.get(rook.postMoeNorm)!);
    for (const p of ['q', 'k', 'v', 'o'] as const) named.set(`${hf}.self_attn.${p}_proj.weight`, weights.get(rook[p])!);
    const moe = `${hf}.block_sparse_moe`;
    named.set(`${moe}.gate.weight`, weights.get(rook.router)!);
    for (let j = 0; j < config.numExperts; j++) {
      named.set(`${moe}.experts.${j}.w1.weight`, weights.get(rook.expertGate(j))!);
      named.set(`${moe}.experts.${j}.w3.weight`, weights.get(rook.expertUp(j))!);
      named.set(`${moe}.experts.${j}.w2.weight`, weights.get(rook.expertDown(j))!);
    }
    named.set(`${hf}.mlp.gate_proj.weight`, weights.get(rook.sharedGate)!);
    named.set(`${hf}.mlp.up_proj.weight`, weights.get(rook.sharedUp)!);
    named.set(`${hf}.mlp.down_proj.weight`, weights.get(rook.sharedDown)!);
  }
  assert.equal(named.size, weights.size);
  return named;
};

/**
 * `tinyGrok2` as Grok-2's own config can say it: its router as SGLang runs it (capped at 30, top-k not
 * renormalized), its "original" RoPE (plain), the attention scale 1/sqrt(head_dim), the temperature's length at the
 * last position (a GGUF export refuses shorter ones, which llama.cpp would not apply).
 */
export const tinyHfGrok2: SyntheticShape = {
  ...tinyGrok2,
  routerRenormalize: false,
  attentionScale: 1 / Math.sqrt(tinyGrok2.headDim),
  ropeScalingFactor: 1,
  ropeOriginalContext: tinyGrok2.contextLength,
  ropeBetaFast: 32,
};

/** config.json as each family's transformers configuration class writes it (Grok-2: as xAI published it), for a Rook config. */
/** Qwen-MoE's dense layers as its config.json says them; `intermediate_size` (the dense size) is there either way. */
function qwenDenseFields(config: ModelConfig): Record<string, unknown> {
  const dense = config.denseLayerIds.length > 0;
  return { intermediate_size: dense ? config.denseFfnSize : 6 * config.expertFfnSize, decoder_sparse_step: 1, mlp_only_layers: config.denseLayerIds };
}

function familyConfigJson(config: ModelConfig): Record<string, unknown> {
  const common = {
    vocab_size: config.vocabSize,
    hidden_size: config.hiddenSize,
    num_hidden_layers: config.numLayers,
    num_attention_heads: config.numHeads,
    num_key_value_heads: config.numKvHeads,
    num_experts_per_tok: config.numExpertsPerToken,
    max_position_embeddings: config.contextLength,
    rms_norm_eps: config.rmsNormEps,
    rope_theta: config.ropeBase,
    rope_scaling: null,
    hidden_act: 'silu',
    tie_word_embeddings: config.tiedOutput,
    bos_token_id: config.bosTokenId,
    eos_token_id: config.eosTokenId,
    torch_dtype: 'bfloat16',
  };
  switch (config.architecture) {
    case 'qwen3_moe':
      return {
        ...common,
        architectures: ['Qwen3MoeForCausalLM'],
        model_type: 'qwen3_moe',
        head_dim: config.headDim,
        ...qwenDenseFields(config),
        moe_intermediate_size: config.expertFfnSize,
        num_experts: config.numExperts,
        norm_topk_prob: config.routerRenormalize,
        attention_bias: false,
        use_sliding_window: false,
        sliding_window: null,
      };
    case 'qwen2_moe':
      return {
        ...common,
        architectures: ['Qwen2MoeForCausalLM'],
        model_type: 'qwen2_moe',
        ...qwenDenseFields(config),
        moe_intermediate_size: config.expertFfnSize,
        shared_expert_intermediate_size: config.sharedExpertFfnSize,
        num_experts: config.numExperts,
        norm_topk_prob: config.routerRenormalize,
        use_sliding_window: false,
        sliding_window: 4 * config.contextLength,
      };
    case 'olmoe':
      return {
        ...common,
        architectures: ['OlmoeForCausalLM'],
        model_type: 'olmoe',
        intermediate_size: config.expertFfnSize,
        num_experts: config.numExperts,
        norm_topk_prob: config.routerRenormalize,
        attention_bias: false,
        clip_qkv: null,
      };
    case 'granitemoe': {
      const shared = config.sharedExpertFfnSize > 0;
      return {
        ...common,
        architectures: [shared ? 'GraniteMoeSharedForCausalLM' : 'GraniteMoeForCausalLM'],
        model_type: shared ? 'granitemoeshared' : 'granitemoe',
        intermediate_size: config.expertFfnSize,
        num_local_experts: config.numExperts,
        embedding_multiplier: config.embeddingMultiplier,
        attention_multiplier: config.attentionScale,
        residual_multiplier: config.residualMultiplier,
        logits_scaling: 1 / config.outputMultiplier,
        attention_bias: false,
        ...(shared ? { shared_intermediate_size: config.sharedExpertFfnSize } : {}),
      };
    }
    case 'gpt_oss':
      return {
        ...common,
        architectures: ['GptOssForCausalLM'],
        model_type: 'gpt_oss',
        head_dim: config.headDim,
        intermediate_size: config.expertFfnSize,
        num_local_experts: config.numExperts,
        experts_per_token: config.numExpertsPerToken,
        attention_bias: true,
        swiglu_limit: config.swigluLimit,
        sliding_window: config.slidingWindow,
        layer_types: Array.from({ length: config.numLayers }, (_, i) => (i % 2 === 0 ? 'sliding_attention' : 'full_attention')),
        rope_scaling: { rope_type: 'yarn', factor: config.ropeScalingFactor, original_max_position_embeddings: config.ropeOriginalContext, beta_fast: 32.0, beta_slow: 1.0, truncate: config.ropeTruncate },
        initial_context_length: config.ropeOriginalContext,
      };
    case 'deepseek_v2': {
      const yarn = config.ropeScalingFactor !== 1;
      return {
        ...common,
        architectures: ['DeepseekV2ForCausalLM'],
        model_type: 'deepseek_v2',
        // DeepSeek's released configs list as many key/value heads as heads; transformers' saves head_dim = qk_rope_head_dim.
        num_key_value_heads: config.numHeads,
        head_dim: config.ropeHeadDim,
        q_lora_rank: config.qLoraRank > 0 ? config.qLoraRank : null,
        kv_lora_rank: config.kvLoraRank,
        qk_nope_head_dim: config.headDim - config.ropeHeadDim,
        qk_rope_head_dim: config.ropeHeadDim,
        v_head_dim: config.vHeadDim,
        intermediate_size: config.denseFfnSize,
        moe_intermediate_size: config.expertFfnSize,
        n_routed_experts: config.numExperts,
        n_shared_experts: config.sharedExpertFfnSize / config.expertFfnSize,
        first_k_dense_replace: config.denseLayers,
        moe_layer_freq: 1,
        norm_topk_prob: config.routerRenormalize,
        routed_scaling_factor: config.routedScalingFactor,
        scoring_func: 'softmax',
        topk_method: 'greedy',
        n_group: 1,
        topk_group: 1,
        aux_loss_alpha: 0.001,
        attention_bias: false,
        rope_scaling: yarn
          ? { type: 'yarn', factor: config.ropeScalingFactor, original_max_position_embeddings: config.ropeOriginalContext, beta_fast: 32, beta_slow: 1, mscale: 0.707, mscale_all_dim: 0.707 }
          : null,
      };
    }
    case 'grok':
      // Grok-2's (Grok-1's port and Mixtral have fixtures of their own above).
      return {
        architectures: ['Grok1ForCausalLM'],
        model_type: 'git',
        vocab_size: config.vocabSize,
        hidden_size: config.hiddenSize,
        intermediate_size: config.sharedExpertFfnSize,
        moe_intermediate_size: config.expertFfnSize,
        num_hidden_layers: config.numLayers,
        num_attention_heads: config.numHeads,
        num_key_value_heads: config.numKvHeads,
        head_dim: config.headDim,
        num_local_experts: config.numExperts,
        num_experts_per_tok: config.numExpertsPerToken,
        max_position_embeddings: config.contextLength,
        rms_norm_eps: config.rmsNormEps,
        rope_theta: config.ropeBase,
        rope_type: 'original',
        original_max_position_embeddings: config.contextLength / 4,
        scaling_factor: 4,
        extrapolation_factor: 1,
        attn_factor: 1,
        beta_fast: 8,
        beta_slow: 1,
        embedding_multiplier_scale: config.embeddingMultiplier,
        output_multiplier_scale: config.outputMultiplier,
        attn_logit_softcapping: config.attentionSoftcap,
        router_logit_softcapping: config.routerSoftcap,
        final_logit_softcapping: config.finalLogitSoftcap,
        attn_temperature_len: config.attentionTemperatureLength,
        residual_moe: true,
        sliding_window_size: -1,
        global_attn_every_n: 1,
        bos_token_id: config.bosTokenId,
        eos_token_id: config.eosTokenId,
        pad_token_id: config.padTokenId,
        torch_dtype: 'bfloat16',
      };
    default:
      throw new Error(`no Hugging Face layout for ${config.architecture} here`);
  }
}

const familyNaming: Partial<Record<ModelConfig['architecture'], FamilyNaming>> = { grok: grok2Named, qwen3_moe: qwenStyleNamed, qwen2_moe: qwenStyleNamed, olmoe: qwenStyleNamed, granitemoe: graniteNamed, gpt_oss: gptOssNamed, deepseek_v2: deepseekNamed };

/**
 * `tinyHfGrok2` as xAI released Grok-2: tensor-parallel files, each rank's part of every expert in
 * `pytorch_model-0000N-TP-00R.safetensors` (gate `w1` and up `w3` split by output rows, down `w2` by input columns,
 * as SGLang's presharded MoE loading and llama.cpp's converter read them), all other tensors whole in
 * `pytorch_model-00000-TP-common.safetensors`; no index.
 */
export function hfGrok2TensorParallel(seed: number, ranks: number): HfFixture {
  const tokenizer = syntheticTokenizer();
  const config: ModelConfig = { ...tinyHfGrok2, vocabSize: tokenizer.vocabSize };
  const weights = bf16Rounded(randomDecoderWeights(config, seed));
  const checkpoint = tempDir('hf-grok2-tp');
  fs.writeFileSync(path.join(checkpoint, 'config.json'), JSON.stringify(familyConfigJson(config)));
  const tokenizerJson = JSON.stringify(tokenizer.json);
  fs.writeFileSync(path.join(checkpoint, 'tokenizer.json'), tokenizerJson);
  const common: Weights = new Map();
  const byRank: Weights[] = Array.from({ length: ranks }, () => new Map());
  for (const [name, tensor] of grok2Named(config, weights)) {
    const weight = /\.experts\.\d+\.(w[123])\.weight$/.exec(name)?.[1];
    if (!weight) {
      common.set(name, tensor);
      continue;
    }
    const [rows, columns] = tensor.shape;
    for (let rank = 0; rank < ranks; rank++) {
      if (weight === 'w2') {
        const width = columns / ranks;
        const part = new Float32Array(rows * width);
        for (let r = 0; r < rows; r++) part.set(tensor.data.subarray(r * columns + rank * width, r * columns + (rank + 1) * width), r * width);
        byRank[rank].set(name, { shape: [rows, width], data: part });
      } else {
        const height = rows / ranks;
        byRank[rank].set(name, { shape: [height, columns], data: tensor.data.slice(rank * height * columns, (rank + 1) * height * columns) });
      }
    }
  }
  writeSafetensors(path.join(checkpoint, 'pytorch_model-00000-TP-common.safetensors'), common, 'BF16');
  byRank.forEach((part, rank) => writeSafetensors(path.join(checkpoint, `pytorch_model-${String(rank + 1).padStart(5, '0')}-TP-${String(rank).padStart(3, '0')}.safetensors`), part, 'BF16'));
  return { checkpoint, direct: directFolder(config, weights, tokenizerJson), config, weights };
}

/**
 * A family's checkpoint in its Hugging Face layout and names (bf16, 2 shards, tokenizer.json; `tokenizer` another
 * one, such as Qwen's), with the Rook folder built directly.
 */
export function hfFamilyCheckpoint(shape: SyntheticShape, seed: number, tokenizer: { json: object; vocabSize: number } = syntheticTokenizer()): HfFixture & { hfConfig: Record<string, unknown> } {
  const config: ModelConfig = { ...shape, vocabSize: tokenizer.vocabSize };
  const weights = bf16Rounded(randomDecoderWeights(config, seed));
  const checkpoint = tempDir(`hf-${config.architecture}`);
  const hfConfig = familyConfigJson(config);
  fs.writeFileSync(path.join(checkpoint, 'config.json'), JSON.stringify(hfConfig));
  const tokenizerJson = JSON.stringify(tokenizer.json);
  fs.writeFileSync(path.join(checkpoint, 'tokenizer.json'), tokenizerJson);
  const named = familyNaming[config.architecture]!(config, weights);
  writeShardedCheckpoint(checkpoint, named, 2);
  return { checkpoint, direct: directFolder(config, weights, tokenizerJson), config, weights, hfConfig };
}

/** E2M1 values by code, as the OCP microscaling format and transformers' `FP4_VALUES` list them. */
const fp4Values = [0, 0.5, 1, 1.5, 2, 3, 4, 6, -0, -0.5, -1, -1.5, -2, -3, -4, -6];

/** `weights` with every expert matrix's groups of 32 inputs made of E2M1 values times one power of two a group. */
function mxfp4Representable(config: ModelConfig, weights: Weights, seed: number): Weights {
  const random = seededNormal(seed);
  const out = new Map(weights);
  for (let i = 0; i < config.numLayers; i++) {
    const layer = decoderTensorNames.layer(i);
    for (let j = 0; j < config.numExperts; j++) {
      for (const name of [layer.expertGate(j), layer.expertUp(j), layer.expertDown(j)]) {
        const { shape } = weights.get(name)!;
        const data = new Float32Array(shape[0] * shape[1]);
        for (let group = 0; group < data.length / 32; group++) {
          const scale = 2 ** -(1 + Math.floor(Math.abs(random()) * 3));
          // + 0 makes code 8 (-0) a zero the float32 graph stores alike, as a decoded -0 would not be.
          for (let k = 0; k < 32; k++) data[group * 32 + k] = fp4Values[Math.floor(Math.abs(random()) * 16) % 16] * scale + 0;
        }
        out.set(name, { shape, data });
      }
    }
  }
  return out;
}

/**
 * A fused expert tensor `[experts, in, out]` as transformers' MXFP4 pair: per expert and output row, each group of 32
 * inputs as 16 bytes of E2M1 codes (the first of each two in the low nibble) and an E8M0 exponent biased by 127.
 * The inverse of `convert_moe_packed_tensors`, written from its definition; the values must be representable.
 */
function mxfp4Pair(tensor: FloatTensor): { blocks: { shape: number[]; bytes: Uint8Array }; scales: { shape: number[]; bytes: Uint8Array } } {
  const [experts, inputs, outputs] = tensor.shape;
  const groups = inputs / 32;
  const blocks = new Uint8Array(experts * outputs * groups * 16);
  const scales = new Uint8Array(experts * outputs * groups);
  for (let e = 0; e < experts; e++) {
    for (let r = 0; r < outputs; r++) {
      for (let g = 0; g < groups; g++) {
        const values = Array.from({ length: 32 }, (_, k) => tensor.data[(e * inputs + g * 32 + k) * outputs + r]);
        const exponent = Array.from({ length: 255 }, (_, s) => s).find((s) => values.every((v) => fp4Values.includes(v / 2 ** (s - 127))));
        assert.ok(exponent !== undefined, 'the values must be MXFP4-representable');
        const group = (e * outputs + r) * groups + g;
        scales[group] = exponent;
        const codes = values.map((v) => fp4Values.indexOf(v / 2 ** (exponent - 127)));
        for (let b = 0; b < 16; b++) blocks[group * 16 + b] = codes[2 * b] | (codes[2 * b + 1] << 4);
      }
    }
  }
  return { blocks: { shape: [experts, outputs, groups, 16], bytes: blocks }, scales: { shape: [experts, outputs, groups], bytes: scales } };
}

/** A safetensors file of U8 tensors, written by hand: Rook's writer writes floats only. */
function writeU8Safetensors(file: string, tensors: Map<string, { shape: number[]; bytes: Uint8Array }>): void {
  const header: Record<string, unknown> = {};
  let offset = 0;
  for (const [name, { shape, bytes }] of tensors) {
    header[name] = { dtype: 'U8', shape, data_offsets: [offset, offset + bytes.length] };
    offset += bytes.length;
  }
  const json = Buffer.from(JSON.stringify(header));
  const length = Buffer.alloc(8);
  length.writeBigUInt64LE(BigInt(json.length));
  fs.writeFileSync(file, Buffer.concat([length, json, ...[...tensors.values()].map((t) => t.bytes)]));
}

/**
 * gpt-oss as OpenAI released it (`openai/gpt-oss-20b`): BF16 tensors, and each layer's `mlp.experts.gate_up_proj`
 * and `down_proj` as MXFP4 `_blocks`/`_scales` pairs in a shard of their own, with `quantization_config` "mxfp4". The
 * direct folder holds the same (representable) expert values as float32.
 */
export function hfGptOssMxfp4Checkpoint(seed: number): HfFixture & { hfConfig: Record<string, unknown>; quantizedShard: string } {
  const tokenizer = syntheticTokenizer();
  const config: ModelConfig = { ...tinyGptOss, vocabSize: tokenizer.vocabSize };
  const weights = mxfp4Representable(config, bf16Rounded(randomDecoderWeights(config, seed)), seed + 1);
  const checkpoint = tempDir('hf-gpt-oss-mxfp4');
  const hfConfig = { ...familyConfigJson(config), quantization_config: { quant_method: 'mxfp4', modules_to_not_convert: ['model.layers.*.self_attn', 'model.layers.*.mlp.router', 'model.embed_tokens', 'lm_head'] } };
  fs.writeFileSync(path.join(checkpoint, 'config.json'), JSON.stringify(hfConfig));
  const tokenizerJson = JSON.stringify(tokenizer.json);
  fs.writeFileSync(path.join(checkpoint, 'tokenizer.json'), tokenizerJson);
  const named = gptOssNamed(config, weights);
  const quantized = new Map<string, { shape: number[]; bytes: Uint8Array }>();
  for (let i = 0; i < config.numLayers; i++) {
    for (const matrix of ['gate_up_proj', 'down_proj']) {
      const name = `model.layers.${i}.mlp.experts.${matrix}`;
      const { blocks, scales } = mxfp4Pair(named.get(name)!);
      quantized.set(`${name}_blocks`, blocks);
      quantized.set(`${name}_scales`, scales);
      named.delete(name);
    }
  }
  writeShardedCheckpoint(checkpoint, named, 2);
  const quantizedShard = 'model-00003-of-00003.safetensors';
  writeU8Safetensors(path.join(checkpoint, quantizedShard), quantized);
  const indexFile = path.join(checkpoint, 'model.safetensors.index.json');
  const index = JSON.parse(fs.readFileSync(indexFile, 'utf8'));
  for (const name of quantized.keys()) index.weight_map[name] = quantizedShard;
  fs.writeFileSync(indexFile, JSON.stringify(index));
  return { checkpoint, direct: directFolder(config, weights, tokenizerJson), config, weights, hfConfig, quantizedShard };
}
