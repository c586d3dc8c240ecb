/**
 * A model folder's `config.json`: the shape of a mixture-of-experts decoder, the family it belongs to, and the
 * knobs that let one graph builder (`arch/decoder.ts`) serve every family Rook runs: Grok-1, Mixtral, Qwen2-MoE,
 * Qwen3-MoE, OLMoE, Granite MoE, gpt-oss, DeepSeek-V2 and Grok-2. Keys are snake_case and follow the Hugging Face Grok-1 port where it has a name
 * for the field; knobs left out take Grok-1's values.
 */
import { readJsonFile } from './jsonFile';
import { ModelFileError } from './fileError';

/**
 * The family a model belongs to (`import/` reads each one's Hugging Face checkpoints, `gguf/names/` its llama.cpp
 * names). Mixtral-style models are `grok` with Mixtral's knobs, as Rook has always converted them.
 */
export const knownArchitectures = ['grok', 'qwen2_moe', 'qwen3_moe', 'olmoe', 'granitemoe', 'gpt_oss', 'deepseek_v2'] as const;
export type Architecture = (typeof knownArchitectures)[number];

/** Ids of the fill-in-the-middle control tokens, for models trained to infill (prefix-suffix-middle). */
export interface FimTokenIds {
  prefix: number;
  suffix: number;
  middle: number;
}

export interface ModelConfig {
  architecture: Architecture;
  vocabSize: number;
  hiddenSize: number;
  numLayers: number;
  numHeads: number;
  /** Key/value heads; fewer than `numHeads` is grouped-query attention. */
  numKvHeads: number;
  /** The size of a query and key head (with latent attention: its unrotated and rotated parts together). */
  headDim: number;
  /**
   * Multi-head latent attention (DeepSeek-V2) when > 0: keys and values are decompressed per head from a latent of
   * this size (`kv_lora_rank`; the graph folds the decompression into the queries and the output, and caches the
   * latent), and only the last `ropeHeadDim` dims of each query and key head are rotated, the
   * rotated key part shared by all heads. 0: ordinary attention.
   */
  kvLoraRank: number;
  /** Latent attention: queries through a `q_lora_rank` bottleneck with an RMSNorm (DeepSeek-V2), or 0 for a direct projection (V2-Lite). */
  qLoraRank: number;
  /** Latent attention: the rotated (last) dims of each query and key head; 0 otherwise (whole heads rotate). */
  ropeHeadDim: number;
  /** Latent attention: the size of a value head (at most `headDim`); 0 otherwise (values are `headDim` wide). */
  vHeadDim: number;
  numExperts: number;
  numExpertsPerToken: number;
  /** Inner size of one expert's feed-forward network. */
  expertFfnSize: number;
  /** The first this many layers have a dense SwiGLU feed-forward network instead of experts (DeepSeek's first_k_dense_replace). */
  denseLayers: number;
  /**
   * Further layers with a dense SwiGLU feed-forward network, by index, ascending (Qwen-MoE's `mlp_only_layers`, with
   * the layers its `decoder_sparse_step` leaves dense).
   */
  denseLayerIds: number[];
  /** Inner size of the dense layers (`denseLayers` and `denseLayerIds`); 0 when there are none. */
  denseFfnSize: number;
  /** Factor on the routed experts' weighted sum (DeepSeek's routed_scaling_factor), after any renormalization. */
  routedScalingFactor: number;
  contextLength: number;
  rmsNormEps: number;
  ropeBase: number;
  /**
   * `geglu`: down(gelu(gate x) * up x), Grok-1. `swiglu`: down(silu(gate x) * up x), Mixtral. `swiglu_clamped`:
   * gpt-oss's down((clamp(up x, ±limit) + 1) * g·sigmoid(1.702 g)) with g = min(gate x, limit).
   */
  expertActivation: 'geglu' | 'swiglu' | 'swiglu_clamped';
  /** The limit of `swiglu_clamped`. */
  swigluLimit: number;
  /** GELU form for `geglu`: JAX's default tanh approximation (Grok-1) or exact erf. */
  geluApproximation: 'tanh' | 'none';
  /** `sandwich`: RMSNorm before and after attention and MoE (Grok-1). `pre`: before only (Mixtral). */
  normPlacement: 'sandwich' | 'pre';
  /** Rescale the top-k router probabilities to sum to 1 (Mixtral, llama.cpp's grok) or not (Grok-1). */
  routerRenormalize: boolean;
  embeddingMultiplier: number;
  outputMultiplier: number;
  /** Factor on q·k before the soft-cap and softmax. */
  attentionScale: number;
  /** c in c·tanh(s/c) on attention logits; 0 turns it off. */
  attentionSoftcap: number;
  /** c in c·tanh(l/c) on router logits; 0 turns it off (Grok-1 has none, llama.cpp applies 30). */
  routerSoftcap: number;
  /** c in c·tanh(l/c) on the logits, after `outputMultiplier` (Grok-2's final_logit_softcapping); 0 turns it off. */
  finalLogitSoftcap: number;
  /**
   * Grok-2's attention temperature: a query at position p > L (0-based) has its attention logits times
   * log2(p) / log2(L), before the soft-cap; 0 turns it off.
   */
  attentionTemperatureLength: number;
  /** Output projection is the transposed token embedding. */
  tiedOutput: boolean;
  /**
   * RMSNorm of queries and keys before RoPE: `head` over each head with one `[head_dim]` weight (Qwen3), `projection`
   * over the whole q and k projections (OLMoE), `none`.
   */
  qkNorm: 'none' | 'head' | 'projection';
  /** The q, k and v projections have biases (Qwen2). */
  attentionBias: boolean;
  /** Factor on each attention and MoE output before it joins the residual stream (Granite's residual_multiplier). */
  residualMultiplier: number;
  /** Inner size of a shared expert that every token runs beside the routed ones (Qwen2-MoE, Granite MoE shared); 0 for none. */
  sharedExpertFfnSize: number;
  /** The shared expert's output is scaled by sigmoid(x · w) of its own one-row gate (Qwen2-MoE). */
  sharedExpertGate: boolean;
  /** Factor on the sum of the routed experts and the shared expert (Grok-2's residual MLP: 1/√2). */
  expertSumMultiplier: number;
  /** The attention output projection has a bias (gpt-oss). */
  attentionOutputBias: boolean;
  /** Each head has a learned sink logit that joins its softmax's denominator (gpt-oss). */
  attentionSinks: boolean;
  /** Tokens a sliding-window layer attends to (itself included); 0 for none. */
  slidingWindow: number;
  /** With a window: of every `n` layers, the first `n - 1` slide and the last attends fully (1: every layer slides). */
  slidingWindowPattern: number;
  /** The router and the experts' three projections have biases (gpt-oss). */
  expertBias: boolean;
  /** YaRN RoPE scaling (gpt-oss): the factor the context was stretched by, 1 for plain RoPE. */
  ropeScalingFactor: number;
  /** YaRN: the context the model was trained with before stretching. */
  ropeOriginalContext: number;
  /** YaRN's beta_fast and beta_slow: the rotations that bound the ramp between extrapolated and interpolated dims. */
  ropeBetaFast: number;
  ropeBetaSlow: number;
  /** YaRN: round the ramp's ends to whole dims (transformers' default and llama.cpp's; gpt-oss turns it off). */
  ropeTruncate: boolean;
  /**
   * YaRN: the factor on cos and sin; 0 for YaRN's own 0.1·ln(factor) + 1. DeepSeek's is mscale(factor, mscale) /
   * mscale(factor, mscale_all_dim), 1 in its released models (its mscale² goes into `attentionScale` instead).
   */
  ropeAttentionFactor: number;
  bosTokenId: number;
  /** Prompts start with `bosTokenId` (SentencePiece tokenizers, the embedded model); byte-level BPE ones (Qwen, Granite, OLMoE, gpt-oss) add none. */
  addBosToken: boolean;
  eosTokenId: number;
  /** Tokens besides `eosTokenId` that end a generation (end of turn, FIM padding, file separators), ascending. */
  stopTokenIds: number[];
  padTokenId: number;
  /** Present when the model was trained with fill-in-the-middle. */
  fim?: FimTokenIds;
  /**
   * How a fill-in-the-middle prompt is laid out: prefix-suffix-middle, or suffix-prefix-middle, where the prefix
   * ends right before the middle. SPM keeps the suffix's tokens in the KV cache while the user types (only the typed
   * tokens are new) and puts the prefix next to what follows it; it needs a model trained with that layout.
   */
  fimLayout: 'psm' | 'spm';
}

/**
 * The `config.json` knobs of a Mixtral-style model (pre-norm, SwiGLU experts, renormalized top-k gates, no
 * multipliers or soft-caps), for every checkpoint format that holds one.
 */
export const mixtralStyleKnobs = {
  expert_activation: 'swiglu',
  norm_placement: 'pre',
  router_renormalize: true,
  embedding_multiplier_scale: 1,
  output_multiplier_scale: 1,
  max_attn_value: 0,
  router_logit_softcap: 0,
} as const;

export class ModelConfigError extends ModelFileError {
  override name = 'ModelConfigError';
}

/**
 * The largest value Rook accepts for each size: far above any real model's, so that a corrupt or hostile file fails
 * at once, naming the field, instead of sizing loops and allocations by its numbers (a layer count of 2^32 ran for
 * 40 s and 3.5 GB before failing; a 30M-token context built a 1.9 GB rotary table for a 98 KB GGUF).
 */
export const configLimits = {
  /** The largest real vocabularies have 262,144 tokens (Gemma); Grok-1 131,072. */
  vocab_size: { max: 2 ** 22, why: 'real vocabularies have at most ~262k tokens' },
  /** The widest real models are below 20k (Llama 3 405B 16,384; PaLM 18,432; Grok-1 6,144). */
  hidden_size: { max: 65536, why: 'the widest real models are below 20k' },
  /** The deepest real models have ~126 layers (Llama 3 405B; Grok-1 64). */
  num_hidden_layers: { max: 1024, why: 'the deepest real models have ~130 layers' },
  /** Real models have at most 128 attention heads. */
  num_attention_heads: { max: 1024, why: 'real models have at most 128 heads' },
  num_key_value_heads: { max: 1024, why: 'real models have at most 128 heads' },
  /** Real head sizes are 64 to 256. */
  head_dim: { max: 1024, why: 'real heads are 64 to 256 wide' },
  /** The most experts in real models: 512 (Qwen3-Next), 384 (Kimi K2); Grok-1 and Mixtral have 8. */
  num_experts: { max: 1024, why: 'real models have at most 512 experts' },
  num_experts_per_tok: { max: 1024, why: 'real models have at most 512 experts' },
  /** DeepSeek's latent ranks: V2 512 (keys/values) and 1536 (queries). */
  kv_lora_rank: { max: 65536, why: 'real latent ranks are at most a few thousand' },
  q_lora_rank: { max: 65536, why: 'real latent ranks are at most a few thousand' },
  first_k_dense_replace: { max: 1024, why: 'the deepest real models have ~130 layers' },
  dense_intermediate_size: { max: 2 ** 18, why: 'real feed-forward layers are below 80k wide' },
  qk_rope_head_dim: { max: 1024, why: 'real heads are 64 to 256 wide' },
  v_head_dim: { max: 1024, why: 'real heads are 64 to 256 wide' },
  /** Expert (and dense) feed-forward layers are at most ~74k wide (PaLM 49,152 dense; Grok-1's experts 32,768). */
  intermediate_size: { max: 2 ** 18, why: 'real feed-forward layers are below 80k wide' },
  shared_expert_intermediate_size: { max: 2 ** 18, why: 'real feed-forward layers are below 80k wide' },
  sliding_window: { max: 2 ** 21, why: 'windows are shorter than the longest real contexts (~1M positions)' },
  attn_temperature_len: { max: 2 ** 21, why: 'the longest real contexts are ~1M positions' },
  sliding_window_pattern: { max: 1024, why: 'real models have at most ~130 layers' },
  rope_original_max_position_embeddings: { max: 2 ** 21, why: 'the longest real contexts are ~1M positions' },
  /** The longest real contexts are 1M positions (Qwen2.5-1M); the graph holds a rotary table row per position. */
  max_position_embeddings: { max: 2 ** 21, why: 'the longest real contexts are ~1M positions, and the graph holds a rotary table row per position' },
} as const satisfies Record<string, { max: number; why: string }>;

/** Layers × experts: the expert matrices a model has, three tensors each (Kimi K2's 61 × 384 = 23,424 is the most real ones have). */
export const maxLayerExperts = 2 ** 16;

/** The rotary cos and sin tables the graph embeds take context × head_dim float32s: at most 2 GiB (a 2M context of 256-wide heads). */
export const maxRotaryTableBytes = 2 ** 31;

/** The float knobs are stored in the graph as float32: larger magnitudes would turn into infinities. */
const maxFloat32 = 3.4028234663852886e38;

/**
 * How messages name a config field: config.json's own key by default; a GGUF import names the metadata key the value
 * came from. `describe` is the first mention (`field "hidden_size"`), `quote` later ones (`"hidden_size"`).
 */
export interface FieldNaming {
  describe(key: string): string;
  quote(key: string): string;
}

export const configJsonNaming: FieldNaming = { describe: (key) => `field "${key}"`, quote: (key) => `"${key}"` };

/** Naming for a config read from another file's names: `sources` maps a config field to its name there, first mention and quoted. */
export function namingFrom(sources: ReadonlyMap<string, { describe: string; quote: string }>): FieldNaming {
  return {
    describe: (key) => sources.get(key)?.describe ?? configJsonNaming.describe(key),
    quote: (key) => sources.get(key)?.quote ?? configJsonNaming.quote(key),
  };
}

/** A value from the file for a message, cut short if long. */
function shown(value: unknown): string {
  const text = JSON.stringify(value) ?? String(value);
  return text.length > 80 ? `${text.slice(0, 80)}...` : text;
}

type FieldKind = 'positiveInt' | 'nonNegativeInt' | 'positiveNumber' | 'nonNegativeNumber' | 'boolean' | 'tokenIds' | 'layerIds' | readonly string[];

/** The most stop tokens a config lists (real tokenizers name a handful). */
const maxStopTokens = 64;

interface FieldSpec {
  key: string;
  kind: FieldKind;
  /** Absent means the field is required; a function derives the default from the fields already read. */
  fallback?: unknown | ((config: Partial<ModelConfig>) => unknown);
}

type ScalarField = Exclude<keyof ModelConfig, 'fim'>;

const fields: Record<ScalarField, FieldSpec> = {
  architecture: { key: 'architecture', kind: knownArchitectures },
  vocabSize: { key: 'vocab_size', kind: 'positiveInt' },
  hiddenSize: { key: 'hidden_size', kind: 'positiveInt' },
  numLayers: { key: 'num_hidden_layers', kind: 'positiveInt' },
  numHeads: { key: 'num_attention_heads', kind: 'positiveInt' },
  numKvHeads: { key: 'num_key_value_heads', kind: 'positiveInt' },
  headDim: { key: 'head_dim', kind: 'positiveInt', fallback: (c: Partial<ModelConfig>) => c.hiddenSize! / c.numHeads! },
  kvLoraRank: { key: 'kv_lora_rank', kind: 'nonNegativeInt', fallback: 0 },
  qLoraRank: { key: 'q_lora_rank', kind: 'nonNegativeInt', fallback: 0 },
  ropeHeadDim: { key: 'qk_rope_head_dim', kind: 'nonNegativeInt', fallback: 0 },
  vHeadDim: { key: 'v_head_dim', kind: 'nonNegativeInt', fallback: 0 },
  numExperts: { key: 'num_experts', kind: 'positiveInt' },
  numExpertsPerToken: { key: 'num_experts_per_tok', kind: 'positiveInt' },
  expertFfnSize: { key: 'intermediate_size', kind: 'positiveInt' },
  denseLayers: { key: 'first_k_dense_replace', kind: 'nonNegativeInt', fallback: 0 },
  denseLayerIds: { key: 'mlp_only_layers', kind: 'layerIds', fallback: () => [] },
  denseFfnSize: { key: 'dense_intermediate_size', kind: 'nonNegativeInt', fallback: 0 },
  routedScalingFactor: { key: 'routed_scaling_factor', kind: 'positiveNumber', fallback: 1 },
  contextLength: { key: 'max_position_embeddings', kind: 'positiveInt' },
  rmsNormEps: { key: 'rms_norm_eps', kind: 'positiveNumber', fallback: 1e-5 },
  ropeBase: { key: 'rope_theta', kind: 'positiveNumber', fallback: 10000 },
  expertActivation: { key: 'expert_activation', kind: ['geglu', 'swiglu', 'swiglu_clamped'], fallback: 'geglu' },
  swigluLimit: { key: 'swiglu_limit', kind: 'positiveNumber', fallback: 7 },
  geluApproximation: { key: 'gelu_approximation', kind: ['tanh', 'none'], fallback: 'tanh' },
  normPlacement: { key: 'norm_placement', kind: ['sandwich', 'pre'], fallback: 'sandwich' },
  routerRenormalize: { key: 'router_renormalize', kind: 'boolean', fallback: false },
  embeddingMultiplier: { key: 'embedding_multiplier_scale', kind: 'positiveNumber', fallback: (c: Partial<ModelConfig>) => Math.sqrt(c.hiddenSize!) },
  outputMultiplier: { key: 'output_multiplier_scale', kind: 'positiveNumber', fallback: 0.5773502691896257 },
  attentionScale: { key: 'attn_output_multiplier', kind: 'positiveNumber', fallback: (c: Partial<ModelConfig>) => 1 / Math.sqrt(c.headDim!) },
  attentionSoftcap: { key: 'max_attn_value', kind: 'nonNegativeNumber', fallback: 30 },
  routerSoftcap: { key: 'router_logit_softcap', kind: 'nonNegativeNumber', fallback: 0 },
  finalLogitSoftcap: { key: 'final_logit_softcapping', kind: 'nonNegativeNumber', fallback: 0 },
  attentionTemperatureLength: { key: 'attn_temperature_len', kind: 'nonNegativeInt', fallback: 0 },
  tiedOutput: { key: 'tie_word_embeddings', kind: 'boolean', fallback: true },
  qkNorm: { key: 'qk_norm', kind: ['none', 'head', 'projection'], fallback: 'none' },
  attentionBias: { key: 'attention_bias', kind: 'boolean', fallback: false },
  residualMultiplier: { key: 'residual_multiplier', kind: 'positiveNumber', fallback: 1 },
  sharedExpertFfnSize: { key: 'shared_expert_intermediate_size', kind: 'nonNegativeInt', fallback: 0 },
  sharedExpertGate: { key: 'shared_expert_gate', kind: 'boolean', fallback: false },
  expertSumMultiplier: { key: 'expert_sum_multiplier', kind: 'positiveNumber', fallback: 1 },
  attentionOutputBias: { key: 'attention_output_bias', kind: 'boolean', fallback: false },
  attentionSinks: { key: 'attention_sinks', kind: 'boolean', fallback: false },
  slidingWindow: { key: 'sliding_window', kind: 'nonNegativeInt', fallback: 0 },
  slidingWindowPattern: { key: 'sliding_window_pattern', kind: 'positiveInt', fallback: 1 },
  expertBias: { key: 'expert_bias', kind: 'boolean', fallback: false },
  ropeScalingFactor: { key: 'rope_scaling_factor', kind: 'positiveNumber', fallback: 1 },
  ropeOriginalContext: { key: 'rope_original_max_position_embeddings', kind: 'positiveInt', fallback: (c: Partial<ModelConfig>) => c.contextLength },
  ropeBetaFast: { key: 'rope_beta_fast', kind: 'positiveNumber', fallback: 32 },
  ropeBetaSlow: { key: 'rope_beta_slow', kind: 'positiveNumber', fallback: 1 },
  ropeTruncate: { key: 'rope_truncate', kind: 'boolean', fallback: true },
  ropeAttentionFactor: { key: 'rope_attention_factor', kind: 'nonNegativeNumber', fallback: 0 },
  bosTokenId: { key: 'bos_token_id', kind: 'nonNegativeInt', fallback: 1 },
  addBosToken: { key: 'add_bos_token', kind: 'boolean', fallback: true },
  eosTokenId: { key: 'eos_token_id', kind: 'nonNegativeInt', fallback: 2 },
  stopTokenIds: { key: 'stop_token_ids', kind: 'tokenIds', fallback: () => [] },
  padTokenId: { key: 'pad_token_id', kind: 'nonNegativeInt', fallback: 0 },
  fimLayout: { key: 'fim_layout', kind: ['psm', 'spm'], fallback: 'psm' },
};

/** Whether layer `i` has a dense feed-forward network instead of experts. */
export function isDenseLayer(config: Pick<ModelConfig, 'denseLayers' | 'denseLayerIds'>, i: number): boolean {
  return i < config.denseLayers || config.denseLayerIds.includes(i);
}

/** How many layers are dense. */
export function denseLayerCount(config: Pick<ModelConfig, 'numLayers' | 'denseLayers' | 'denseLayerIds'>): number {
  return config.denseLayers + config.denseLayerIds.filter((i) => i >= config.denseLayers).length;
}

/**
 * What the KV cache holds per layer and position, `heads` rows of `width` floats each, as keys and as values: a key
 * and value head each, or with latent attention one row of the latent and the rotated key part (the graph attends in
 * the absorbed form, `latentAttention` in onnx/layers.ts), which is its key and its value alike (`valueIsKey`).
 */
export function kvCacheShape(config: Pick<ModelConfig, 'numKvHeads' | 'headDim' | 'kvLoraRank' | 'ropeHeadDim'>): { heads: number; width: number; valueIsKey: boolean } {
  return config.kvLoraRank > 0 ? { heads: 1, width: config.kvLoraRank + config.ropeHeadDim, valueIsKey: true } : { heads: config.numKvHeads, width: config.headDim, valueIsKey: false };
}

/** The factor on RoPE's cos and sin: the config's own, else YaRN's 0.1·ln(factor) + 1 (1 for plain RoPE). */
export function ropeAttentionFactorOf(config: Pick<ModelConfig, 'ropeScalingFactor' | 'ropeAttentionFactor'>): number {
  if (config.ropeAttentionFactor > 0) return config.ropeAttentionFactor;
  return config.ropeScalingFactor === 1 ? 1 : 0.1 * Math.log(config.ropeScalingFactor) + 1;
}

function describeKind(kind: FieldKind): string {
  if (Array.isArray(kind)) return `one of ${kind.map((v) => JSON.stringify(v)).join(', ')}`;
  return {
    positiveInt: 'a positive integer',
    nonNegativeInt: 'an integer >= 0',
    positiveNumber: 'a (float32) number > 0',
    nonNegativeNumber: 'a (float32) number >= 0',
    boolean: 'true or false',
    tokenIds: `a list of at most ${maxStopTokens} token ids`,
    layerIds: `an ascending list of at most ${configLimits.num_hidden_layers.max} layer indexes`,
  }[kind as string]!;
}

function fits(kind: FieldKind, value: unknown): boolean {
  if (Array.isArray(kind)) return kind.includes(value as string);
  switch (kind) {
    case 'positiveInt': return Number.isInteger(value) && (value as number) > 0;
    case 'nonNegativeInt': return Number.isInteger(value) && (value as number) >= 0;
    case 'positiveNumber': return typeof value === 'number' && value > 0 && value <= maxFloat32;
    case 'nonNegativeNumber': return typeof value === 'number' && value >= 0 && value <= maxFloat32;
    case 'tokenIds': return Array.isArray(value) && value.length <= maxStopTokens && value.every((id) => Number.isInteger(id) && id >= 0);
    case 'layerIds':
      return Array.isArray(value) && value.length <= configLimits.num_hidden_layers.max && value.every((id, i) => Number.isInteger(id) && id >= 0 && (i === 0 || id > value[i - 1]));
    default: return typeof value === 'boolean';
  }
}

/**
 * Validates parsed `config.json` content; `file` names the source in errors, `naming` its fields. Every size is
 * checked against `configLimits` before anything is sized by it.
 */
export function parseModelConfig(json: unknown, file: string, naming: FieldNaming = configJsonNaming): ModelConfig {
  if (typeof json !== 'object' || json === null || Array.isArray(json)) throw new ModelConfigError(file, 'expected a JSON object');
  const raw = json as Record<string, unknown>;
  const { describe, quote } = naming;
  const config: Partial<Record<keyof ModelConfig, unknown>> = {};
  for (const [property, spec] of Object.entries(fields) as [ScalarField, FieldSpec][]) {
    let value = Object.hasOwn(raw, spec.key) ? raw[spec.key] : undefined;
    if (value === undefined) {
      if (spec.fallback === undefined) throw new ModelConfigError(file, `missing ${describe(spec.key)} (${describeKind(spec.kind)})`);
      value = typeof spec.fallback === 'function' ? spec.fallback(config as Partial<ModelConfig>) : spec.fallback;
    }
    if (!fits(spec.kind, value)) {
      const problem = spec.key === 'architecture' ? 'unknown architecture' : 'bad value';
      throw new ModelConfigError(file, `${problem} for ${describe(spec.key)}: ${shown(value)}; expected ${describeKind(spec.kind)}`);
    }
    const limit = Object.hasOwn(configLimits, spec.key) ? configLimits[spec.key as keyof typeof configLimits] : undefined;
    if (limit && (value as number) > limit.max) {
      throw new ModelConfigError(file, `${describe(spec.key)} is ${value}, over Rook's limit of ${limit.max} (${limit.why}); the file is corrupt or not a model's config`);
    }
    config[property] = value;
  }
  const model = config as ModelConfig;
  const requireThat = (ok: boolean, problem: string) => {
    if (!ok) throw new ModelConfigError(file, problem);
  };
  requireThat(model.numHeads % model.numKvHeads === 0, `${describe('num_attention_heads')} (${model.numHeads}) must be a multiple of ${quote('num_key_value_heads')} (${model.numKvHeads})`);
  requireThat(model.numExpertsPerToken <= model.numExperts, `${describe('num_experts_per_tok')} (${model.numExpertsPerToken}) exceeds ${quote('num_experts')} (${model.numExperts})`);
  requireThat(!model.sharedExpertGate || model.sharedExpertFfnSize > 0, `${describe('shared_expert_gate')} needs a shared expert (${quote('shared_expert_intermediate_size')} > 0)`);
  requireThat(model.attentionTemperatureLength !== 1, `${describe('attn_temperature_len')} must be 0 (off) or at least 2: the temperature divides by log2 of it`);
  requireThat(model.headDim % 2 === 0, `${describe('head_dim')} (${model.headDim}) must be even for rotary embeddings`);
  if (model.kvLoraRank > 0) {
    requireThat(model.numKvHeads === model.numHeads, `latent attention (${describe('kv_lora_rank')} > 0) decompresses a key and value head per query head: ${quote('num_key_value_heads')} (${model.numKvHeads}) must equal ${quote('num_attention_heads')} (${model.numHeads})`);
    requireThat(model.ropeHeadDim > 0 && model.ropeHeadDim % 2 === 0 && model.ropeHeadDim < model.headDim, `${describe('qk_rope_head_dim')} (${model.ropeHeadDim}) must be even, above 0 and below ${quote('head_dim')} (${model.headDim})`);
    requireThat(model.vHeadDim > 0 && model.vHeadDim <= model.headDim, `${describe('v_head_dim')} (${model.vHeadDim}) must be above 0 and at most ${quote('head_dim')} (${model.headDim}): values are padded to the key size`);
    requireThat(!model.attentionBias && model.qkNorm === 'none' && !model.attentionSinks && model.slidingWindow === 0 && model.attentionTemperatureLength === 0, `latent attention (${describe('kv_lora_rank')} > 0) has no biases, q/k norms, sinks, sliding window or attention temperature in Rook's graph`);
  } else {
    requireThat(model.qLoraRank === 0, `${describe('q_lora_rank')} needs latent attention (${quote('kv_lora_rank')} > 0)`);
    requireThat(model.ropeHeadDim === 0 && model.vHeadDim === 0, `${describe('qk_rope_head_dim')} and ${quote('v_head_dim')} belong to latent attention (${quote('kv_lora_rank')} > 0)`);
  }
  requireThat(model.denseLayers <= model.numLayers, `${describe('first_k_dense_replace')} (${model.denseLayers}) exceeds ${quote('num_hidden_layers')} (${model.numLayers})`);
  requireThat(model.denseLayers === 0 || model.denseFfnSize > 0, `${describe('first_k_dense_replace')} (${model.denseLayers}) needs ${quote('dense_intermediate_size')} > 0`);
  const lastDense = model.denseLayerIds.at(-1);
  requireThat(lastDense === undefined || lastDense < model.numLayers, `${describe('mlp_only_layers')} names layer ${lastDense}, past ${quote('num_hidden_layers')} (${model.numLayers})`);
  requireThat(lastDense === undefined || model.denseFfnSize > 0, `${describe('mlp_only_layers')} needs ${quote('dense_intermediate_size')} > 0`);
  requireThat(
    model.numLayers * model.numExperts <= maxLayerExperts,
    `${describe('num_hidden_layers')} (${model.numLayers}) times ${quote('num_experts')} (${model.numExperts}) is over Rook's limit of ${maxLayerExperts} expert blocks (real models have at most ~23k); the file is corrupt or not a model's config`,
  );
  const rotaryBytes = model.contextLength * model.headDim * 4;
  requireThat(
    rotaryBytes <= maxRotaryTableBytes,
    `${describe('max_position_embeddings')} (${model.contextLength}) times ${quote('head_dim')} (${model.headDim}) needs ${rotaryBytes} bytes of rotary tables, over Rook's limit of ${maxRotaryTableBytes}; the file is corrupt or not a model's config`,
  );
  for (const key of ['bosTokenId', 'eosTokenId', 'padTokenId'] as const) {
    requireThat(model[key] < model.vocabSize, `${describe(fields[key].key)} (${model[key]}) is outside the vocabulary of ${model.vocabSize}`);
  }
  const outside = model.stopTokenIds.find((id) => id >= model.vocabSize);
  requireThat(outside === undefined, `${describe('stop_token_ids')} has ${outside}, outside the vocabulary of ${model.vocabSize}`);
  const fim = parseFimTokenIds(raw, model.vocabSize, file, naming);
  if (fim) model.fim = fim;
  return model;
}

const fimKeys = { prefix: 'fim_prefix_token_id', suffix: 'fim_suffix_token_id', middle: 'fim_middle_token_id' } as const;

/** The three FIM token ids, all or none; each an integer inside the vocabulary. */
function parseFimTokenIds(raw: Record<string, unknown>, vocabSize: number, file: string, { describe, quote }: FieldNaming): FimTokenIds | undefined {
  const present = Object.values(fimKeys).filter((key) => raw[key] !== undefined);
  if (present.length === 0) return undefined;
  if (present.length < 3) throw new ModelConfigError(file, `fields ${Object.values(fimKeys).map(quote).join(', ')} go together; only ${present.map(quote).join(', ')} given`);
  const ids = {} as FimTokenIds;
  for (const [role, key] of Object.entries(fimKeys) as [keyof FimTokenIds, string][]) {
    const value = raw[key];
    if (!Number.isInteger(value) || (value as number) < 0 || (value as number) >= vocabSize) {
      throw new ModelConfigError(file, `bad value for ${describe(key)}: ${shown(value)}; expected a token id below ${vocabSize}`);
    }
    ids[role] = value as number;
  }
  return ids;
}

/** The JSON object `parseModelConfig` reads back as `config`. */
export function serializeModelConfig(config: ModelConfig): Record<string, unknown> {
  const json: Record<string, unknown> = {};
  for (const [property, spec] of Object.entries(fields) as [ScalarField, FieldSpec][]) json[spec.key] = config[property];
  if (config.fim) for (const [role, key] of Object.entries(fimKeys) as [keyof FimTokenIds, string][]) json[key] = config.fim[role];
  return json;
}

export function readModelConfig(file: string): ModelConfig {
  return parseModelConfig(readJsonFile(file, (problem) => new ModelConfigError(file, problem)), file);
}
