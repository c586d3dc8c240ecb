/**
 * The GGUF names every llama.cpp architecture Rook writes and reads shares (llama.cpp's `LLM_KV_*` and
 * `LLM_TENSOR_*`, src/llama-arch.cpp), each spelled once and used both ways: export writes a Rook model under them,
 * import reads a GGUF back into Rook's config.json fields and tensor names. One file per architecture beside this
 * one (`grok.ts` (Grok-1 and Grok-2), `llama.ts`, `qwen2moe.ts`, `qwen3moe.ts`, `olmoe.ts`, `granitemoe.ts`, `gptoss.ts`, `deepseek2.ts`)
 * adds its own keys and what its llama.cpp graph fixes; `index.ts` lists them.
 */
import { decoderTensorNames, decoderTensorShapes } from '../../arch/decoder';
import { serializeModelConfig, type Architecture, type ModelConfig } from '../../config';
import type { FloatTensor } from '../../tensor';
import type { GgufMetadata } from '../read';
import type { GgufValue } from '../write';

/** A metadata key that holds a config.json field: written from the model's config, read back into config.json. */
export interface FieldKey {
  key: string;
  type: 'u32' | 'f32' | 'bool' | 'str';
  field: string;
  /**
   * How import reads it. `required`: a file without it is refused. `never`: written for llama.cpp only, another key
   * holds the field for Rook. A function: the field's value when the key is absent (llama.cpp's default, from the
   * fields read). Otherwise an absent key leaves the field to config.json's default. Where several keys hold a
   * field, the last one present wins.
   */
  read?: 'required' | 'never' | ((fields: Readonly<Record<string, unknown>>) => unknown);
  /** The key holds 1 / the field (Granite's logit scale divides the logits Rook's output multiplier multiplies). */
  reciprocal?: true;
}

/** A metadata key Rook always writes with one value, which no config field holds. */
export interface ValueKey {
  key: string;
  value: GgufValue;
}

export type GgufKey = FieldKey | ValueKey;

/** The `<arch>.*` hyperparameters every architecture here has, in the order Rook writes them. */
export function hyperparameterKeys(arch: string) {
  const key = (name: string, type: FieldKey['type'], field: string, read?: FieldKey['read']): FieldKey => ({ key: `${arch}.${name}`, type, field, read });
  return {
    contextLength: key('context_length', 'u32', 'max_position_embeddings', 'required'),
    embeddingLength: key('embedding_length', 'u32', 'hidden_size', 'required'),
    blockCount: key('block_count', 'u32', 'num_hidden_layers', 'required'),
    feedForwardLength: key('feed_forward_length', 'u32', 'intermediate_size', 'required'),
    headCount: key('attention.head_count', 'u32', 'num_attention_heads', 'required'),
    headCountKv: key('attention.head_count_kv', 'u32', 'num_key_value_heads', (fields) => fields.num_attention_heads),
    keyLength: key('attention.key_length', 'u32', 'head_dim'),
    valueLength: key('attention.value_length', 'u32', 'head_dim', 'never'),
    layerNormRmsEpsilon: key('attention.layer_norm_rms_epsilon', 'f32', 'rms_norm_eps', 'required'),
    // Import checks it against the head size instead: Rook's graph rotates whole heads.
    ropeDimensionCount: key('rope.dimension_count', 'u32', 'head_dim', 'never'),
    ropeFreqBase: key('rope.freq_base', 'f32', 'rope_theta'),
    expertCount: key('expert_count', 'u32', 'num_experts', 'required'),
    expertUsedCount: key('expert_used_count', 'u32', 'num_experts_per_tok', 'required'),
  };
}

/**
 * The hyperparameters of an architecture whose experts have their own size key (`<arch>.expert_feed_forward_length`,
 * which Rook's `intermediate_size` is); `feed_forward_length` is the size of dense layers, written but not read.
 */
export function expertSizedKeys(arch: string) {
  const keys = hyperparameterKeys(arch);
  return {
    ...keys,
    feedForwardLength: { ...keys.feedForwardLength, read: 'never' } as FieldKey,
    expertFeedForwardLength: { key: `${arch}.expert_feed_forward_length`, type: 'u32', field: 'intermediate_size', read: 'required' } as FieldKey,
  };
}

/** llama.cpp's form of one of Rook's model families, as Rook writes and reads it. */
export interface GgufArchitecture {
  /** `general.architecture`: the llama.cpp graph that loads the file. */
  name: string;
  /** The family (config.json `architecture`) its files are read into. */
  family: Architecture;
  /** `general.name` of the files Rook writes. */
  modelName: string;
  /** What `rook convert` reports reading. */
  label: string;
  /**
   * Its metadata keys, in the order Rook writes them: the shared hyperparameters (an architecture whose graph reads
   * some of them otherwise leaves them out and derives them) and its own.
   */
  keys: Partial<ReturnType<typeof hyperparameterKeys>> & Record<string, GgufKey>;
  /** Keys whose values no single config field holds (written after `keys`). */
  derivedKeys?(config: ModelConfig): [string, GgufValue][];
  /** config.json fields no single key holds, from the file's metadata, the fields its keys gave and its tensors' names. */
  derivedFields?(meta: GgufMetadata, fields: Readonly<Record<string, unknown>>, tensors: ReadonlySet<string>): Record<string, unknown>;
  /** The config.json fields its llama.cpp graph fixes, where no key says. */
  fixed: Readonly<Record<string, unknown>>;
  /** Its graph rotates interleaved pairs of a head's q/k rows, where Rook's rotates halves: rows are permuted between the two. */
  interleavedRope: boolean;
  /** Why its llama.cpp graph would compute something else for `config` (export refuses it), or undefined. */
  mismatch(config: ModelConfig): string | undefined;
  /** Why import refuses a file of this architecture before reading its config, or undefined. */
  refuse?(meta: GgufMetadata): string | undefined;
  /** Its own names for tensors the other architectures share (gpt-oss's `post_attention_norm` for `ffn_norm`). */
  tensorRenames?: Readonly<Record<string, string>>;
  /** Another name import reads a tensor under where a file lacks the one Rook writes (Grok-2's converter's `post_ffw_norm`). */
  tensorAliases?: Readonly<Record<string, string>>;
}

/**
 * Why a config differs from what an architecture's llama.cpp graph fixes (`fixed`, in config.json's fields), or
 * undefined; the attention scale must be 1/sqrt(head_dim), which llama.cpp's graphs without a scale key use.
 */
export function differsFromFixed(config: ModelConfig, fixed: Readonly<Record<string, unknown>>, graph: string): string | undefined {
  const json = serializeModelConfig(config);
  const differing = Object.entries(fixed).filter(([field, value]) => json[field] !== value).map(([field]) => `${field} ${JSON.stringify(json[field])} (needs ${JSON.stringify(fixed[field])})`);
  if (Math.abs(config.attentionScale * Math.sqrt(config.headDim) - 1) >= 1e-6) differing.push(`attn_output_multiplier ${config.attentionScale} (needs 1/sqrt(head_dim))`);
  // No llama.cpp graph has dense layers between MoE ones (deepseek2's leading dense layers are `first_k_dense_replace`).
  if (config.denseLayerIds.length > 0) differing.push(`mlp_only_layers ${JSON.stringify(config.denseLayerIds)} (needs [])`);
  return differing.length === 0 ? undefined : `llama.cpp's ${graph} architecture computes another model for ${differing.join(', ')}`;
}

/**
 * The knobs of the newer families' attention, off: what a llama.cpp graph without them fixes them to (each
 * architecture overrides the ones its graph has).
 */
export const plainAttentionKnobs = {
  qk_norm: 'none',
  attention_bias: false,
  attention_output_bias: false,
  attention_sinks: false,
  sliding_window: 0,
  rope_scaling_factor: 1,
} as const;

/** The knobs of the newer families' experts and residual stream, off. */
export const plainMoeKnobs = { expert_bias: false, residual_multiplier: 1, shared_expert_intermediate_size: 0 } as const;

/** Both: what llama.cpp's `grok` and `llama` graphs fix them to. */
export const plainDecoderKnobs = { ...plainAttentionKnobs, ...plainMoeKnobs } as const;

export const generalKeys = { architecture: 'general.architecture', name: 'general.name' } as const;

/** The vocabulary (SentencePiece's, llama.cpp's `llama` tokenizer, or byte-level BPE, its `gpt2` one) and chat template. */
export const tokenizerKeys = {
  model: 'tokenizer.ggml.model',
  tokens: 'tokenizer.ggml.tokens',
  scores: 'tokenizer.ggml.scores',
  tokenType: 'tokenizer.ggml.token_type',
  unknownTokenId: 'tokenizer.ggml.unknown_token_id',
  addBosToken: 'tokenizer.ggml.add_bos_token',
  addSpacePrefix: 'tokenizer.ggml.add_space_prefix',
  chatTemplate: 'tokenizer.chat_template',
  merges: 'tokenizer.ggml.merges',
  pre: 'tokenizer.ggml.pre',
} as const;

/** `tokenizer.ggml.model` of a byte-level BPE vocabulary (GPT-2's alphabet: Qwen, OLMoE, Granite, gpt-oss). */
export const byteLevelTokenizer = 'gpt2';

/** `tokenizer.ggml.model` of a SentencePiece vocabulary. */
export const sentencePieceTokenizer = 'llama';

/** The special token ids config.json holds, in the order Rook writes them (among `tokenizerKeys`). */
export const tokenIdKeys: FieldKey[] = [
  { key: 'tokenizer.ggml.bos_token_id', type: 'u32', field: 'bos_token_id' },
  { key: 'tokenizer.ggml.eos_token_id', type: 'u32', field: 'eos_token_id' },
  { key: 'tokenizer.ggml.padding_token_id', type: 'u32', field: 'pad_token_id' },
];

/**
 * Fill-in-the-middle, written only for a model trained to infill: llama.cpp's token ids, and the prompt layout, which
 * llama.cpp has no key for, under Rook's own.
 */
export const fimKeys: FieldKey[] = [
  { key: 'tokenizer.ggml.fim_pre_token_id', type: 'u32', field: 'fim_prefix_token_id' },
  { key: 'tokenizer.ggml.fim_suf_token_id', type: 'u32', field: 'fim_suffix_token_id' },
  { key: 'tokenizer.ggml.fim_mid_token_id', type: 'u32', field: 'fim_middle_token_id' },
  { key: 'rook.fim_layout', type: 'str', field: 'fim_layout' },
];

/** A layer tensor's llama.cpp name and what Rook's graph does with it. */
interface LayerTensor {
  gguf: string;
  /** `weight` unless said. */
  suffix?: 'bias';
  rook: keyof ReturnType<typeof decoderTensorNames.layer>;
  /** llama.cpp holds this `[1, n]` Rook tensor as a vector `[n]`. */
  vector?: true;
  /** A linear layer Rook's graph quantizes: written as Q8_0 / Q4_0 from the same blocks. */
  linear?: true;
  /** A q/k projection, whose rows are this many heads' (reordered for an architecture's RoPE). */
  ropeHeads?: 'numHeads' | 'numKvHeads';
  /**
   * Held per attention head, `[heads, ·, ·]`: `rows` the Rook tensor's rows head by head (llama.cpp's `attn_v_b`),
   * `transposed` each head's block transposed (`attn_k_b`, `[heads, kv_lora_rank, nope]`).
   */
  perHead?: 'rows' | 'transposed';
}

/**
 * Rook's tensors (`decoderTensorNames`' roles) under llama.cpp's names, in the order llama.cpp's converters write them:
 * the model's, then each layer's as `blk.N.<name>.weight`, with its experts stacked into `blk.N.<name>_exps.weight`.
 */
const modelTensors = { embedding: 'token_embd', finalNorm: 'output_norm', output: 'output' } as const;
const layerTensors: LayerTensor[] = [
  { gguf: 'attn_norm', rook: 'preAttnNorm' },
  { gguf: 'attn_q', rook: 'q', linear: true, ropeHeads: 'numHeads' },
  { gguf: 'attn_k', rook: 'k', linear: true, ropeHeads: 'numKvHeads' },
  { gguf: 'attn_v', rook: 'v', linear: true },
  { gguf: 'attn_q', suffix: 'bias', rook: 'qBias', ropeHeads: 'numHeads' },
  { gguf: 'attn_k', suffix: 'bias', rook: 'kBias', ropeHeads: 'numKvHeads' },
  { gguf: 'attn_v', suffix: 'bias', rook: 'vBias' },
  { gguf: 'attn_q_norm', rook: 'qNorm' },
  { gguf: 'attn_q_a_norm', rook: 'qANorm' },
  { gguf: 'attn_kv_a_norm', rook: 'kvANorm' },
  { gguf: 'attn_q_a', rook: 'qA', linear: true },
  { gguf: 'attn_q_b', rook: 'qB', linear: true },
  { gguf: 'attn_kv_a_mqa', rook: 'kvA', linear: true },
  // Its blocks would run along the nope dims, not along a row of Rook's k_b_proj: written as is, not quantized.
  { gguf: 'attn_k_b', rook: 'kB', perHead: 'transposed' },
  { gguf: 'attn_v_b', rook: 'vB', linear: true, perHead: 'rows' },
  { gguf: 'attn_k_norm', rook: 'kNorm' },
  { gguf: 'attn_output', rook: 'o', linear: true },
  { gguf: 'attn_output', suffix: 'bias', rook: 'oBias' },
  { gguf: 'attn_sinks', rook: 'sinks' },
  { gguf: 'attn_output_norm', rook: 'postAttnNorm' },
  { gguf: 'ffn_norm', rook: 'preMoeNorm' },
  { gguf: 'ffn_gate', rook: 'denseGate', linear: true },
  { gguf: 'ffn_up', rook: 'denseUp', linear: true },
  { gguf: 'ffn_down', rook: 'denseDown', linear: true },
  { gguf: 'ffn_gate_inp', rook: 'router' },
  { gguf: 'ffn_gate_inp', suffix: 'bias', rook: 'routerBias' },
  { gguf: 'ffn_gate', rook: 'expertGate', linear: true },
  { gguf: 'ffn_up', rook: 'expertUp', linear: true },
  { gguf: 'ffn_down', rook: 'expertDown', linear: true },
  { gguf: 'ffn_gate', suffix: 'bias', rook: 'expertGateBias' },
  { gguf: 'ffn_up', suffix: 'bias', rook: 'expertUpBias' },
  { gguf: 'ffn_down', suffix: 'bias', rook: 'expertDownBias' },
  { gguf: 'ffn_gate_inp_shexp', rook: 'sharedExpertGate', vector: true },
  { gguf: 'ffn_gate_shexp', rook: 'sharedGate', linear: true },
  { gguf: 'ffn_up_shexp', rook: 'sharedUp', linear: true },
  { gguf: 'ffn_down_shexp', rook: 'sharedDown', linear: true },
  { gguf: 'layer_output_norm', rook: 'postMoeNorm' },
];

/** The output projection's tensor: a model without one ties it to the token embedding. */
export const outputTensorName = `${modelTensors.output}.weight`;

/** One GGUF tensor and the Rook tensors it holds. */
export interface GgufTensorName {
  name: string;
  /** Rook's tensor, or with `perExpert` its experts' tensors, stacked along a leading dim. */
  rook: string[];
  /** Each expert's own tensor, in files llama.cpp wrote before it stacked experts (`blk.N.ffn_gate.E.weight`). */
  perExpert?: string[];
  linear: boolean;
  /** The untied output projection, quantized as `outputQuant` says. */
  output?: boolean;
  ropeHeads?: number;
  /** Held as a vector of the Rook tensor's elements. */
  vector?: boolean;
  /** Held per attention head (`LayerTensor.perHead`), with this many heads. */
  perHead?: { heads: number; transposed: boolean };
}

/**
 * A Rook `[heads·rows, cols]` tensor as a GGUF per-head one (`[heads, rows, cols]`, or `[heads, cols, rows]` with
 * `transposed`), or back with `inverse`.
 */
/** The shape `perHeadTensor` gives a `[heads * rows, cols]` tensor. */
export function perHeadShape(shape: readonly number[], perHead: { heads: number; transposed: boolean }): number[] {
  const [total, cols] = shape;
  const rows = total / perHead.heads;
  return perHead.transposed ? [perHead.heads, cols, rows] : [perHead.heads, rows, cols];
}

export function perHeadTensor(tensor: FloatTensor, perHead: { heads: number; transposed: boolean }, inverse: boolean, rookShape?: number[]): FloatTensor {
  const { heads, transposed } = perHead;
  if (!inverse) {
    const [total, cols] = tensor.shape;
    const rows = total / heads;
    const shape = perHeadShape(tensor.shape, perHead);
    if (!transposed) return { shape, data: tensor.data };
    const data = new Float32Array(tensor.data.length);
    const source = tensor.data;
    for (let h = 0; h < heads; h++) for (let r = 0; r < rows; r++) for (let c = 0; c < cols; c++) data[(h * cols + c) * rows + r] = source[(h * rows + r) * cols + c];
    return { shape, data };
  }
  const [total, cols] = rookShape!;
  const rows = total / heads;
  if (!transposed) return { shape: [total, cols], data: tensor.data };
  const data = new Float32Array(tensor.data.length);
  const source = tensor.data;
  for (let h = 0; h < heads; h++) for (let c = 0; c < cols; c++) for (let r = 0; r < rows; r++) data[(h * rows + r) * cols + c] = source[(h * cols + c) * rows + r];
  return { shape: [total, cols], data };
}

/**
 * The GGUF tensors of a model with `config` (output and post norms only where it has them), in the order they are
 * written, under `renames` where the architecture names a shared tensor its own way.
 */
export function ggufTensorNames(config: ModelConfig, renames: Readonly<Record<string, string>> = {}): GgufTensorName[] {
  const experts = Array.from({ length: config.numExperts }, (_, j) => j);
  const out: GgufTensorName[] = (Object.keys(modelTensors) as (keyof typeof modelTensors)[]).map((role) => ({ name: `${modelTensors[role]}.weight`, rook: [decoderTensorNames[role]], linear: false, output: role === 'output' }));
  for (let i = 0; i < config.numLayers; i++) {
    const names = decoderTensorNames.layer(i);
    for (const { gguf: shared, suffix = 'weight', rook, linear, ropeHeads, vector, perHead } of layerTensors) {
      const gguf = Object.hasOwn(renames, shared) ? renames[shared] : shared;
      const role = names[rook];
      const tensor = { linear: linear ?? false, ropeHeads: ropeHeads && config[ropeHeads], vector, ...(perHead ? { perHead: { heads: config.numHeads, transposed: perHead === 'transposed' } } : {}) };
      if (typeof role === 'string') out.push({ name: `blk.${i}.${gguf}.${suffix}`, rook: [role], ...tensor });
      else out.push({ name: `blk.${i}.${gguf}_exps.${suffix}`, rook: experts.map((j) => role(j)), perExpert: experts.map((j) => `blk.${i}.${gguf}.${j}.${suffix}`), ...tensor });
    }
  }
  const shapes = decoderTensorShapes(config);
  return out.filter((tensor) => shapes.has(tensor.rook[0]));
}
