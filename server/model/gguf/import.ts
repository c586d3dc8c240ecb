/**
 * A GGUF file (llama.cpp, Ollama) as a checkpoint: the inverse of `export.ts`, through the same names (`names/`).
 * Each llama.cpp architecture of `names/index.ts` becomes its family's config, and `blk.N.*` tensors Rook's tensors; stacked expert matrices are read one expert at a time (older files' per-expert tensors
 * too), and a `llama` file's q/k rows are put back from interleaved to rotate-half RoPE order. The `tokenizer.ggml.*`
 * vocabulary of a SentencePiece (`llama`) tokenizer becomes tokenizer.json through the same conversion as
 * `tokenizer.model`, and `tokenizer.chat_template` the chat template of tokenizer_config.json.
 * Everything is checked (metadata, tensor names and shapes, the tokenizer) before any tensor data is read.
 */
import { compileChatTemplate, type TokenizerConfig } from '../../chat/chatTemplate';
import { checkWeightsFit, decoderTensorShapes } from '../arch/decoder';
import { namingFrom, parseModelConfig, type FieldNaming, type ModelConfig } from '../config';
import { ModelType, PieceType, sentencePieceToTokenizerJson, type SentencePieceModel } from '../import/sentencepiece';
import { ggmlBlockBytes, quantBlockSize } from '../quant';
import type { FileBlocks, FloatTensor, WeightSource } from '../tensor';
import { preTokenizers } from '../tokenizerRegexes';
import { tokenizerJsonOf, type ByteLevelVocab } from './byteLevelVocab';
import { byteLevelTokenizer, fimKeys, generalKeys, ggufTensorNames, outputTensorName, perHeadTensor, sentencePieceTokenizer, tokenIdKeys, tokenizerKeys, type FieldKey, type GgufArchitecture } from './names/common';
import { ggufArchitectures } from './names/index';
import { GgufError, GgufMetadata, isBlockType, readGgufBytes, readGgufHeader, readGgufTensor, type GgufHeader } from './read';
import { deinterleaveRopeRowBlocks, deinterleaveRopeRows } from './ropeRows';

const isString = (item: unknown): item is string => typeof item === 'string';
const isNumber = (item: unknown): item is number => typeof item === 'number';

/**
 * The config.json an architecture's file describes (its keys' fields, then what its graph fixes), and how messages
 * name each field: by the metadata key it came from.
 */
function configJson(meta: GgufMetadata, architecture: GgufArchitecture, vocabSize: number, tensors: ReadonlySet<string>): { json: Record<string, unknown>; naming: FieldNaming } {
  const tiedOutput = !tensors.has(outputTensorName);
  const keys = [...Object.values(architecture.keys), ...tokenIdKeys, ...fimKeys].filter((k): k is FieldKey => k !== undefined && 'field' in k && k.read !== 'never');
  const fields: Record<string, unknown> = {};
  const sources = new Map([['vocab_size', { describe: `the length of metadata key "${tokenizerKeys.tokens}"`, quote: `"${tokenizerKeys.tokens}"` }]]);
  for (const { key, type, field, reciprocal } of keys) {
    const value = type === 'bool' ? meta.optionalBool(key) : type === 'str' ? meta.optionalString(key) : meta.optionalNumber(key);
    if (value === undefined) continue;
    fields[field] = reciprocal ? 1 / (value as number) : value;
    sources.set(field, { describe: `metadata key "${key}"`, quote: `"${key}"` });
  }
  for (const { key, field, read } of keys) if (read === 'required' && fields[field] === undefined) throw meta.missing(key);
  for (const { field, read } of keys) if (typeof read === 'function' && fields[field] === undefined) fields[field] = read(fields);
  const derived = architecture.derivedFields?.(meta, fields, tensors) ?? {};
  return { json: { architecture: architecture.family, vocab_size: vocabSize, tie_word_embeddings: tiedOutput, ...fields, ...derived, ...architecture.fixed }, naming: namingFrom(sources) };
}

/** The tokens of the vocabulary, checked to be there. */
function vocabularyTokens(meta: GgufMetadata, file: string): string[] {
  const tokens = meta.optionalArray(tokenizerKeys.tokens, isString, 'strings');
  if (!tokens || tokens.length === 0) throw new GgufError(file, `has no ${tokenizerKeys.tokens}; use a GGUF that embeds its vocabulary`);
  return tokens;
}

/**
 * The vocabulary's tokenizer.json (its number of tokens is the model's vocabulary), a SentencePiece or a byte-level BPE
 * one, and for the latter whether prompts start with BOS (llama.cpp's default for it: no).
 */
function vocabulary(meta: GgufMetadata, file: string): { size: number; tokenizerJson: () => object; addBos?: boolean } {
  const model = meta.optionalString(tokenizerKeys.model);
  if (model === undefined) throw new GgufError(file, `has no tokenizer (${tokenizerKeys.model}); use a GGUF that embeds its vocabulary`);
  if (model === byteLevelTokenizer) {
    const vocab = byteLevelVocab(meta, file);
    return { size: vocab.tokens.length, tokenizerJson: () => tokenizerJsonOf(vocab, file), addBos: meta.optionalBool(tokenizerKeys.addBosToken) ?? false };
  }
  const problem = unreadableTokenizer(model, undefined);
  if (problem) throw new GgufError(file, problem);
  const spm = sentencePieceModel(meta, file);
  return { size: spm.pieces.length, tokenizerJson: () => sentencePieceToTokenizerJson(spm) };
}

/** A byte-level BPE (`gpt2`) vocabulary: tokens, their types, merges and the pre-tokenizer's name, checked to agree. */
function byteLevelVocab(meta: GgufMetadata, file: string): ByteLevelVocab {
  const tokens = vocabularyTokens(meta, file);
  const types = meta.optionalArray(tokenizerKeys.tokenType, isNumber, 'numbers') ?? tokens.map(() => PieceType.normal);
  if (types.length !== tokens.length) throw new GgufError(file, `${tokenizerKeys.tokenType} must have one entry per token (${tokens.length}) (corrupt file)`);
  const merges = meta.optionalArray(tokenizerKeys.merges, isString, 'strings');
  if (!merges) throw new GgufError(file, `has no ${tokenizerKeys.merges}, which a byte-level BPE vocabulary needs (corrupt file)`);
  const pre = meta.optionalString(tokenizerKeys.pre);
  const problem = unreadableTokenizer(byteLevelTokenizer, pre);
  if (problem) throw new GgufError(file, problem);
  return { pre: pre ?? 'default', tokens, types, merges };
}

/**
 * Why Rook cannot read a GGUF vocabulary of tokenizer model `model` and pre-tokenizer `pre`, or undefined when it
 * can (the model stores' listing asks the same question of a file's header).
 */
export function unreadableTokenizer(model: string, pre: string | undefined): string | undefined {
  if (model === byteLevelTokenizer) {
    const name = pre ?? 'default';
    if (preTokenizers.has(name)) return undefined;
    return `${tokenizerKeys.pre} "${name}" is not one Rook reads (${[...preTokenizers.keys()].join(', ')}): its pre-tokenizer regex is not in the file; convert the original checkpoint with its tokenizer.json instead`;
  }
  if (model === sentencePieceTokenizer) return undefined;
  return `${tokenizerKeys.model} "${model}" is not supported: SentencePiece ("${sentencePieceTokenizer}") and byte-level BPE ("${byteLevelTokenizer}") vocabularies convert to tokenizer.json; convert the original checkpoint with its tokenizer.json instead`;
}

/**
 * The SentencePiece model of a (`llama`) vocabulary, checked but not yet converted: llama.cpp's token types are
 * SentencePiece's piece types.
 */
function sentencePieceModel(meta: GgufMetadata, file: string): SentencePieceModel {
  const tokens = vocabularyTokens(meta, file);
  const scores = meta.optionalArray(tokenizerKeys.scores, isNumber, 'numbers') ?? tokens.map(() => 0);
  const types = meta.optionalArray(tokenizerKeys.tokenType, isNumber, 'numbers') ?? tokens.map(() => PieceType.normal);
  if (scores.length !== tokens.length || types.length !== tokens.length) throw new GgufError(file, `${tokenizerKeys.scores} and token_type must have one entry per token (${tokens.length}) (corrupt file)`);
  return {
    pieces: tokens.map((piece, id) => ({ piece, score: scores[id], type: types[id] })),
    modelType: ModelType.bpe,
    byteFallback: types.includes(PieceType.byte),
    unkId: meta.optionalNumber(tokenizerKeys.unknownTokenId) ?? Math.max(0, types.indexOf(PieceType.unknown)),
    precompiledCharsmap: new Uint8Array(),
    // llama.cpp prepends a space unless told not to, and keeps repeated whitespace.
    addDummyPrefix: meta.optionalBool(tokenizerKeys.addSpacePrefix) ?? true,
    removeExtraWhitespaces: false,
  };
}

/** tokenizer_config.json's chat template and end-of-sequence text from `tokenizer.chat_template`, checked to compile. */
function tokenizerConfig(meta: GgufMetadata, eosTokenId: number, file: string): TokenizerConfig | undefined {
  const template = meta.optionalString(tokenizerKeys.chatTemplate);
  if (template === undefined) return undefined;
  const tokens = meta.optionalArray(tokenizerKeys.tokens, isString, 'strings')!;
  const config: TokenizerConfig = { chat_template: template, eos_token: tokens[eosTokenId] };
  try {
    compileChatTemplate(config);
  } catch (error) {
    throw new GgufError(file, `${tokenizerKeys.chatTemplate} is not a usable Jinja template (${(error as Error).message})`);
  }
  return config;
}

/**
 * Where a Rook tensor lies in the file: a tensor, or one expert (`slab`) of a stacked one, whose own tensor in files
 * llama.cpp wrote before it stacked experts is `perExpert`; `ropeHeads` when its q/k rows are interleaved.
 */
interface TensorLocation {
  name: string;
  slab?: number;
  perExpert?: string;
  ropeHeads?: number;
  /** Held as a vector of the Rook tensor's elements. */
  vector?: boolean;
  /** Held per attention head. */
  perHead?: { heads: number; transposed: boolean };
  /** Its name in files that name it otherwise (`GgufArchitecture.tensorAliases`). */
  alias?: string;
}

function tensorLocations(config: ModelConfig, architecture: GgufArchitecture): Map<string, TensorLocation> {
  const locations = new Map<string, TensorLocation>();
  const aliases = Object.entries(architecture.tensorAliases ?? {}).map(([own, other]) => ({ own: new RegExp(`^(blk\\.\\d+\\.)${own}\\.`), other }));
  const aliasOf = (name: string) => aliases.map(({ own, other }) => name.replace(own, `$1${other}.`)).find((alias) => alias !== name);
  for (const { name, rook, perExpert, ropeHeads, vector, perHead } of ggufTensorNames(config, architecture.tensorRenames)) {
    const heads = architecture.interleavedRope ? ropeHeads : undefined;
    rook.forEach((rookName, j) => locations.set(rookName, perExpert ? { name, slab: j, perExpert: perExpert[j], ropeHeads: heads } : { name, ropeHeads: heads, vector, perHead, alias: aliasOf(name) }));
  }
  return locations;
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
    private readonly locations: ReadonlyMap<string, TensorLocation>,
  ) {}

  /** Reads and checks the header, config, tokenizer and every tensor's name and shape; errors name the file. */
  static open(file: string): GgufCheckpoint {
    const header = readGgufHeader(file);
    const meta = new GgufMetadata(header.metadata, file);
    const name = meta.optionalString(generalKeys.architecture);
    const architecture = name === undefined ? undefined : ggufArchitectures.get(name);
    if (!architecture) {
      const known = [...ggufArchitectures.keys()].map((n) => JSON.stringify(n)).join(', ');
      throw new GgufError(file, `${generalKeys.architecture} is ${JSON.stringify(name ?? null)}; rook convert reads llama.cpp's ${known} (with experts) GGUF models`);
    }
    const vocab = vocabulary(meta, file);
    const refusal = architecture.refuse?.(meta);
    if (refusal) throw new GgufError(file, refusal);
    // The sizes are checked (limits, then against the tensor data the file holds) before anything is built from them.
    const { json, naming } = configJson(meta, architecture, vocab.size, new Set(header.tensors.keys()));
    if (vocab.addBos !== undefined) json.add_bos_token = vocab.addBos;
    const config = parseModelConfig(json, file, naming);
    let dataBytes = 0;
    for (const info of header.tensors.values()) dataBytes += info.byteLength;
    // Q4_0, the most compact type read, stores 32 weights in 18 bytes.
    checkWeightsFit(config, dataBytes, ggmlBlockBytes[4] / quantBlockSize, file, naming, 'the file');
    // Where the key holds the head size's field (every architecture but deepseek2, whose rotated part is a field of its own).
    const rope = architecture.keys.ropeDimensionCount;
    const ropeKey = rope?.key ?? '';
    const ropeDims = rope && rope.field === 'head_dim' ? meta.optionalNumber(ropeKey) : undefined;
    if (ropeDims !== undefined && ropeDims !== config.headDim) throw new GgufError(file, `${ropeKey} ${ropeDims} differs from the head size ${config.headDim}; Rook's graph rotates whole heads`);
    const tokenizer = vocab.tokenizerJson();
    const checkpoint = new GgufCheckpoint(file, architecture.label, config, tokenizer, tokenizerConfig(meta, config.eosTokenId, file), header, tensorLocations(config, architecture));
    checkpoint.checkShapes();
    return checkpoint;
  }

  /** The tensor (and slab) that holds `rookName` in this file: stacked experts, or else one tensor per expert; its own name, or else its alias. */
  private locate(rookName: string): TensorLocation | undefined {
    const location = this.locations.get(rookName);
    if (!location) return undefined;
    const { name, perExpert, alias } = location;
    const has = (other: string | undefined): other is string => other !== undefined && !this.header.tensors.has(name) && this.header.tensors.has(other);
    if (has(perExpert)) return { ...location, name: perExpert, slab: undefined };
    return has(alias) ? { ...location, name: alias } : location;
  }

  private checkShapes(): void {
    for (const [rookName, shape] of decoderTensorShapes(this.config)) {
      const { name, slab, vector, perHead } = this.locate(rookName)!;
      const info = this.header.tensors.get(name);
      if (!info) throw new GgufError(this.file, `missing tensor "${name}" that the metadata calls for; the file is incomplete`);
      const headShape = perHead && [perHead.heads, ...(perHead.transposed ? [shape[1], shape[0] / perHead.heads] : [shape[0] / perHead.heads, shape[1]])];
      const expected = headShape ? headShape : vector ? [shape.reduce((a, b) => a * b, 1)] : slab === undefined ? shape : [this.config.numExperts, ...shape];
      if (info.shape.join() !== expected.join()) throw new GgufError(this.file, `tensor "${name}" has shape [${info.shape}] but the metadata implies [${expected}]`);
    }
  }

  /** The weights under Rook's names, each tensor's data read from the file on first use (as safetensors checkpoints are). */
  readonly weights: WeightSource = {
    get: (rookName: string): FloatTensor | undefined => {
      const location = this.locate(rookName);
      const info = location && this.header.tensors.get(location.name);
      if (!info) return undefined;
      const { slab, ropeHeads, vector, perHead } = location;
      const shape = vector || perHead ? decoderTensorShapes(this.config).get(rookName)! : slab === undefined ? info.shape : info.shape.slice(1);
      let data: Float32Array | undefined;
      const read = () => {
        const tensor = readGgufTensor(this.file, info, slab);
        this.onTensorRead?.();
        if (perHead) return perHeadTensor(tensor, perHead, true, shape).data;
        return ropeHeads ? deinterleaveRopeRows(tensor, ropeHeads).data : tensor.data;
      };
      const { type } = info;
      // Per-head tensors are transposed on the way in, which moves values across blocks: those keep only their float32 form.
      const blocks: FileBlocks | undefined = isBlockType(type) && !perHead ? {
        type,
        bytes: () => {
          const bytes = readGgufBytes(this.file, info, slab);
          this.onTensorRead?.();
          return ropeHeads ? deinterleaveRopeRowBlocks(bytes, shape[0], ropeHeads) : bytes;
        },
      } : undefined;
      return {
        shape,
        get data() {
          return (data ??= read());
        },
        blocks,
      };
    },
  };
}
