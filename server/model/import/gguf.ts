/**
 * A GGUF file (llama.cpp, Ollama) as a checkpoint: the inverse of what `arch/grok.ts` and `arch/llamaGguf.ts`
 * write. llama.cpp's `grok` architecture and its `llama` one with experts (Mixtral) become Rook's config; `blk.N.*`
 * tensors map back to `grokTensorNames`, stacked expert matrices are read one expert at a time (older files'
 * per-expert tensors are read too), and a `llama` file's
 * q/k rows are put back from interleaved to rotate-half RoPE order. The `tokenizer.ggml.*` vocabulary of a
 * SentencePiece (`llama`) tokenizer becomes tokenizer.json through the same conversion as `tokenizer.model`, and
 * `tokenizer.chat_template` the chat template of tokenizer_config.json.
 * Everything is checked (metadata, tensor names and shapes, the tokenizer) before any tensor data is read.
 */
import { compileChatTemplate, type TokenizerConfig } from '../../chat/chatTemplate';
import { grokTensorNames, grokTensorShapes } from '../arch/grok';
import { deinterleaveRopeRows } from '../arch/llamaGguf';
import { mixtralStyleKnobs, parseModelConfig, type ModelConfig } from '../config';
import { ggufFimKeys, ggufFimLayoutKey } from '../gguf';
import { GgufError, readGgufHeader, readGgufTensor, type GgufHeader, type GgufMetadataValue } from '../gguf-read';
import type { FloatTensor, WeightSource } from '../tensor';
import { ModelType, PieceType, sentencePieceToTokenizerJson } from './sentencepiece';

/** Typed access to required and optional metadata keys, each error naming the key. */
class Metadata {
  constructor(
    private readonly values: ReadonlyMap<string, GgufMetadataValue>,
    private readonly file: string,
  ) {}

  optionalNumber(key: string): number | undefined {
    const value = this.values.get(key);
    if (value === undefined) return undefined;
    if (typeof value !== 'number') throw new GgufError(this.file, `metadata key "${key}" is ${JSON.stringify(String(value))}, not a number (corrupt file)`);
    return value;
  }

  number(key: string): number {
    const value = this.optionalNumber(key);
    if (value === undefined) throw new GgufError(this.file, `missing metadata key "${key}", which the model's architecture needs; the file is incomplete or was not written for llama.cpp`);
    return value;
  }

  optionalString(key: string): string | undefined {
    const value = this.values.get(key);
    if (value !== undefined && typeof value !== 'string') throw new GgufError(this.file, `metadata key "${key}" is not a string (corrupt file)`);
    return value;
  }

  optionalBool(key: string): boolean | undefined {
    const value = this.values.get(key);
    if (value !== undefined && typeof value !== 'boolean') throw new GgufError(this.file, `metadata key "${key}" is not a bool (corrupt file)`);
    return value;
  }

  /** An array whose elements all pass `is`; undefined when absent. */
  optionalArray<T>(key: string, is: (item: unknown) => item is T, kind: string): T[] | undefined {
    const value = this.values.get(key);
    if (value === undefined) return undefined;
    if (!Array.isArray(value) || !value.every(is)) throw new GgufError(this.file, `metadata key "${key}" is not an array of ${kind} (corrupt file)`);
    return value as T[];
  }
}

const isString = (item: unknown): item is string => typeof item === 'string';
const isNumber = (item: unknown): item is number => typeof item === 'number';

/** config.json keys common to both architectures, from `<arch>.*` metadata. */
function sharedConfig(meta: Metadata, arch: string, vocabSize: number, tiedOutput: boolean): Record<string, unknown> {
  const hidden = meta.number(`${arch}.embedding_length`);
  const heads = meta.number(`${arch}.attention.head_count`);
  const headDim = meta.optionalNumber(`${arch}.attention.key_length`) ?? hidden / heads;
  return {
    architecture: 'grok',
    vocab_size: vocabSize,
    hidden_size: hidden,
    intermediate_size: meta.optionalNumber(`${arch}.expert_feed_forward_length`) ?? meta.number(`${arch}.feed_forward_length`),
    num_hidden_layers: meta.number(`${arch}.block_count`),
    num_attention_heads: heads,
    num_key_value_heads: meta.optionalNumber(`${arch}.attention.head_count_kv`) ?? heads,
    head_dim: headDim,
    num_experts: meta.number(`${arch}.expert_count`),
    num_experts_per_tok: meta.number(`${arch}.expert_used_count`),
    max_position_embeddings: meta.number(`${arch}.context_length`),
    rms_norm_eps: meta.number(`${arch}.attention.layer_norm_rms_epsilon`),
    rope_theta: meta.optionalNumber(`${arch}.rope.freq_base`) ?? 10000,
    tie_word_embeddings: tiedOutput,
    bos_token_id: meta.optionalNumber('tokenizer.ggml.bos_token_id'),
    eos_token_id: meta.optionalNumber('tokenizer.ggml.eos_token_id'),
    pad_token_id: meta.optionalNumber('tokenizer.ggml.padding_token_id'),
    fim_prefix_token_id: meta.optionalNumber(ggufFimKeys.prefix),
    fim_suffix_token_id: meta.optionalNumber(ggufFimKeys.suffix),
    fim_middle_token_id: meta.optionalNumber(ggufFimKeys.middle),
    fim_layout: meta.optionalString(ggufFimLayoutKey),
  };
}

/** What each llama.cpp architecture Rook reads fixes in the model, around the shared keys (read once it is known to fit). */
const architectures: Record<string, { label: string; config(meta: Metadata, shared: () => Record<string, unknown>, file: string): Record<string, unknown>; interleavedRope: boolean }> = {
  // llama.cpp's grok graph: sandwich norms, GELU (tanh) experts, renormalized top-k gates (unless the file says, as
  // Rook's export does, that the model does not renormalize); absent scales take Grok-1's values.
  grok: {
    label: 'GGUF (llama.cpp grok)',
    interleavedRope: false,
    config: (meta, shared, file) => {
      const finalSoftcap = meta.optionalNumber('grok.final_logit_softcapping') ?? 0;
      if (finalSoftcap !== 0) throw new GgufError(file, `grok.final_logit_softcapping is ${finalSoftcap}; Rook's graph has no final logit soft-cap, so it would compute another model`);
      const optional = (key: string, gguf: string) => (meta.optionalNumber(gguf) === undefined ? {} : { [key]: meta.optionalNumber(gguf) });
      return {
        ...shared(),
        expert_activation: 'geglu',
        gelu_approximation: 'tanh',
        norm_placement: 'sandwich',
        router_renormalize: meta.optionalBool('grok.expert_weights_norm') ?? true,
        ...optional('embedding_multiplier_scale', 'grok.embedding_scale'),
        ...optional('output_multiplier_scale', 'grok.logit_scale'),
        ...optional('attn_output_multiplier', 'grok.attention.output_scale'),
        ...optional('max_attn_value', 'grok.attn_logit_softcapping'),
        ...optional('router_logit_softcap', 'grok.router_logit_softcapping'),
      };
    },
  },
  // llama.cpp's llama graph with experts (Mixtral): pre-norm SwiGLU, renormalized gates, no multipliers or soft-caps.
  llama: {
    label: 'GGUF (llama.cpp llama, Mixtral-style)',
    interleavedRope: true,
    config: (meta, shared, file) => {
      if ((meta.optionalNumber('llama.expert_count') ?? 0) === 0) throw new GgufError(file, 'is a dense llama model (no llama.expert_count); Rook runs mixture-of-experts models (Grok-1, Mixtral)');
      return { ...shared(), ...mixtralStyleKnobs };
    },
  },
};

/**
 * Where Rook's tensor `rookName` lies in the GGUF: a tensor, or one expert (`slab`) of a stacked one; `perExpert`
 * names the expert's own tensor in files llama.cpp wrote before it stacked experts (`blk.N.ffn_gate.E.weight`).
 */
function ggufLocation(rookName: string): { name: string; slab?: number; perExpert?: string } {
  const top: Record<string, string> = { [grokTensorNames.embedding]: 'token_embd.weight', [grokTensorNames.finalNorm]: 'output_norm.weight', [grokTensorNames.output]: 'output.weight' };
  if (top[rookName]) return { name: top[rookName] };
  const layer = /^model\.layers\.(\d+)\.(.+)$/.exec(rookName);
  if (!layer) throw new Error(`no GGUF name for tensor "${rookName}"`);
  const [, i, rest] = layer;
  const expert = /^moe_block\.experts\.(\d+)\.(linear|linear_v|linear_1)\.weight$/.exec(rest);
  if (expert) {
    const kind = { linear: 'ffn_gate', linear_v: 'ffn_up', linear_1: 'ffn_down' }[expert[2]]!;
    return { name: `blk.${i}.${kind}_exps.weight`, slab: Number(expert[1]), perExpert: `blk.${i}.${kind}.${expert[1]}.weight` };
  }
  const names: Record<string, string> = {
    'pre_attn_norm.scale': 'attn_norm',
    'post_attn_norm.scale': 'attn_output_norm',
    'pre_moe_norm.scale': 'ffn_norm',
    'post_moe_norm.scale': 'layer_output_norm',
    'attn.q_proj.weight': 'attn_q',
    'attn.k_proj.weight': 'attn_k',
    'attn.v_proj.weight': 'attn_v',
    'attn.o_proj.weight': 'attn_output',
    'moe_block.gate.weight': 'ffn_gate_inp',
  };
  if (!names[rest]) throw new Error(`no GGUF name for tensor "${rookName}"`);
  return { name: `blk.${i}.${names[rest]}.weight` };
}

/** tokenizer.json from a SentencePiece (`llama`) vocabulary: llama.cpp's token types are SentencePiece's piece types. */
function tokenizerJson(meta: Metadata, file: string): object {
  const model = meta.optionalString('tokenizer.ggml.model');
  if (model === undefined) throw new GgufError(file, 'has no tokenizer (tokenizer.ggml.model); use a GGUF that embeds its vocabulary');
  if (model !== 'llama') throw new GgufError(file, `tokenizer.ggml.model "${model}" is not supported: only SentencePiece ("llama") vocabularies convert to tokenizer.json; convert the original checkpoint with its tokenizer.json instead`);
  const tokens = meta.optionalArray('tokenizer.ggml.tokens', isString, 'strings');
  if (!tokens || tokens.length === 0) throw new GgufError(file, 'has no tokenizer.ggml.tokens; use a GGUF that embeds its vocabulary');
  const scores = meta.optionalArray('tokenizer.ggml.scores', isNumber, 'numbers') ?? tokens.map(() => 0);
  const types = meta.optionalArray('tokenizer.ggml.token_type', isNumber, 'numbers') ?? tokens.map(() => PieceType.normal);
  if (scores.length !== tokens.length || types.length !== tokens.length) throw new GgufError(file, `tokenizer.ggml.scores and token_type must have one entry per token (${tokens.length}) (corrupt file)`);
  return sentencePieceToTokenizerJson({
    pieces: tokens.map((piece, id) => ({ piece, score: scores[id], type: types[id] })),
    modelType: ModelType.bpe,
    byteFallback: types.includes(PieceType.byte),
    unkId: meta.optionalNumber('tokenizer.ggml.unknown_token_id') ?? Math.max(0, types.indexOf(PieceType.unknown)),
    precompiledCharsmap: new Uint8Array(),
    // llama.cpp prepends a space unless told not to, and keeps repeated whitespace.
    addDummyPrefix: meta.optionalBool('tokenizer.ggml.add_space_prefix') ?? true,
    removeExtraWhitespaces: false,
  });
}

/** tokenizer_config.json's chat template and end-of-sequence text from `tokenizer.chat_template`, checked to compile. */
function tokenizerConfig(meta: Metadata, eosTokenId: number, file: string): TokenizerConfig | undefined {
  const template = meta.optionalString('tokenizer.chat_template');
  if (template === undefined) return undefined;
  const tokens = meta.optionalArray('tokenizer.ggml.tokens', isString, 'strings')!;
  const config: TokenizerConfig = { chat_template: template, eos_token: tokens[eosTokenId] };
  try {
    compileChatTemplate(config);
  } catch (error) {
    throw new GgufError(file, `tokenizer.chat_template is not a usable Jinja template (${(error as Error).message})`);
  }
  return config;
}

export class GgufCheckpoint {
  /** Called after each tensor's data is read from disk, for progress reports. */
  onTensorRead?: () => void;

  private constructor(
    readonly file: string,
    readonly label: string,
    readonly config: ModelConfig,
    readonly tokenizerJson: object,
    readonly tokenizerConfig: TokenizerConfig | undefined,
    private readonly header: GgufHeader,
    private readonly interleavedRope: boolean,
  ) {}

  /** Reads and checks the header, config, tokenizer and every tensor's name and shape; errors name the file. */
  static open(file: string): GgufCheckpoint {
    const header = readGgufHeader(file);
    const meta = new Metadata(header.metadata, file);
    const arch = meta.optionalString('general.architecture');
    const architecture = arch === undefined ? undefined : architectures[arch];
    if (!architecture) throw new GgufError(file, `general.architecture is ${JSON.stringify(arch ?? null)}; rook convert reads llama.cpp's "grok" and "llama" (with experts, Mixtral-style) GGUF models`);
    const tokenizer = tokenizerJson(meta, file);
    const vocabSize = (meta.optionalArray('tokenizer.ggml.tokens', isString, 'strings') ?? []).length;
    const json = architecture.config(meta, () => sharedConfig(meta, arch!, vocabSize, !header.tensors.has('output.weight')), file);
    const config = parseModelConfig(json, file);
    const ropeDims = meta.optionalNumber(`${arch}.rope.dimension_count`);
    if (ropeDims !== undefined && ropeDims !== config.headDim) throw new GgufError(file, `${arch}.rope.dimension_count ${ropeDims} differs from the head size ${config.headDim}; Rook's graph rotates whole heads`);
    const checkpoint = new GgufCheckpoint(file, architecture.label, config, tokenizer, tokenizerConfig(meta, config.eosTokenId, file), header, architecture.interleavedRope);
    checkpoint.checkShapes();
    return checkpoint;
  }

  /** The tensor (and slab) that holds `rookName` in this file: stacked experts, or else one tensor per expert. */
  private locate(rookName: string): { name: string; slab?: number } {
    const { name, slab, perExpert } = ggufLocation(rookName);
    return perExpert && !this.header.tensors.has(name) && this.header.tensors.has(perExpert) ? { name: perExpert } : { name, slab };
  }

  private checkShapes(): void {
    for (const [rookName, shape] of grokTensorShapes(this.config)) {
      const { name, slab } = this.locate(rookName);
      const info = this.header.tensors.get(name);
      if (!info) throw new GgufError(this.file, `missing tensor "${name}" that the metadata calls for; the file is incomplete`);
      const expected = slab === undefined ? shape : [this.config.numExperts, ...shape];
      if (info.shape.join() !== expected.join()) throw new GgufError(this.file, `tensor "${name}" has shape [${info.shape}] but the metadata implies [${expected}]`);
    }
  }

  /** The weights under Rook's names, each tensor's data read from the file on first use (as safetensors checkpoints are). */
  readonly weights: WeightSource = {
    get: (rookName: string): FloatTensor | undefined => {
      const { name, slab } = this.locate(rookName);
      const info = this.header.tensors.get(name);
      if (!info) return undefined;
      let data: Float32Array | undefined;
      const read = () => {
        const tensor = readGgufTensor(this.file, info, slab);
        this.onTensorRead?.();
        const rope = this.interleavedRope && /^model\.layers\.\d+\.attn\.([qk])_proj\.weight$/.exec(rookName);
        return rope ? deinterleaveRopeRows(tensor, rope[1] === 'q' ? this.config.numHeads : this.config.numKvHeads).data : tensor.data;
      };
      return {
        shape: slab === undefined ? info.shape : info.shape.slice(1),
        get data() {
          return (data ??= read());
        },
      };
    },
  };
}
