/**
 * A SentencePiece `tokenizer.model` (a serialized `ModelProto`) turned into the Hugging Face `tokenizer.json` the
 * local engine loads, as Hugging Face's Llama converter does: BPE models become BPE with merges derived from the
 * piece scores (a pair merges when the piece it forms is in the vocabulary; higher-scoring pieces merge first, as
 * SentencePiece's encoder does), Unigram models become Unigram; byte fallback, `▁` for spaces, and the
 * normalizer_spec's dummy prefix, whitespace clean-up and precompiled character map carried over.
 *
 * As in training/tokenizer.py, control and unknown pieces are plain vocabulary entries that no merge produces, so
 * text in a user's file never turns into them (SentencePiece behaves the same); user-defined pieces, which
 * SentencePiece matches whole, are added tokens.
 */
import * as fs from 'node:fs';
import * as protobuf from 'protobufjs/light';
import { accessModelFile, ModelFileError } from '../fileError';
import { extraWhitespaceRegexes } from '../tokenizerRegexes';

/**
 * The subset of sentencepiece_model.proto the conversion reads, as a protobufjs reflection descriptor (field ids
 * and proto2 defaults and presence as in the .proto; enums read as their numbers). Other fields are skipped on decode.
 */
const modelProtoSchema = {
  nested: {
    TrainerSpec: {
      edition: 'proto2',
      fields: {
        modelType: { type: 'int32', id: 3, options: { default: 1 } },
        byteFallback: { type: 'bool', id: 35, options: { default: false } },
        unkId: { type: 'int32', id: 40, options: { default: 0 } },
      },
    },
    NormalizerSpec: {
      edition: 'proto2',
      fields: {
        precompiledCharsmap: { type: 'bytes', id: 2 },
        addDummyPrefix: { type: 'bool', id: 3, options: { default: true } },
        removeExtraWhitespaces: { type: 'bool', id: 4, options: { default: true } },
        escapeWhitespaces: { type: 'bool', id: 5, options: { default: true } },
      },
    },
    SentencePiece: {
      edition: 'proto2',
      fields: {
        piece: { type: 'string', id: 1 },
        score: { type: 'float', id: 2 },
        type: { type: 'int32', id: 3, options: { default: 1 } },
      },
    },
    ModelProto: {
      edition: 'proto2',
      fields: {
        pieces: { rule: 'repeated', type: 'SentencePiece', id: 1 },
        trainerSpec: { type: 'TrainerSpec', id: 2 },
        normalizerSpec: { type: 'NormalizerSpec', id: 3 },
      },
    },
  },
};

let modelProto: protobuf.Type | undefined;
const ModelProto = () => (modelProto ??= protobuf.Root.fromJSON(modelProtoSchema).lookupType('ModelProto'));

export const PieceType = { normal: 1, unknown: 2, control: 3, userDefined: 4, unused: 5, byte: 6 } as const;
export const ModelType = { unigram: 1, bpe: 2 } as const;

export interface SentencePiece {
  piece: string;
  score: number;
  type: number;
}

export interface SentencePieceModel {
  pieces: SentencePiece[];
  modelType: number;
  byteFallback: boolean;
  unkId: number;
  /** Empty for the `identity` rule. */
  precompiledCharsmap: Uint8Array;
  addDummyPrefix: boolean;
  removeExtraWhitespaces: boolean;
}

export class SentencePieceError extends ModelFileError {
  override name = 'SentencePieceError';
}

/** Decodes a ModelProto; `file` names the source in errors. */
export function parseSentencePieceModel(bytes: Uint8Array, file: string): SentencePieceModel {
  let message: Record<string, unknown>;
  try {
    message = ModelProto().toObject(ModelProto().decode(bytes), { defaults: true, bytes: Array }) as Record<string, unknown>;
  } catch (error) {
    throw new SentencePieceError(file, `not a SentencePiece model (${(error as Error).message}); re-download tokenizer.model or provide tokenizer.json instead`);
  }
  const pieces = message.pieces as SentencePiece[];
  const missing = pieces.length === 0 ? 'pieces' : !message.trainerSpec ? 'trainer_spec' : !message.normalizerSpec ? 'normalizer_spec' : undefined;
  if (missing) throw new SentencePieceError(file, `not a SentencePiece model (it has no ${missing}); re-download tokenizer.model or provide tokenizer.json instead`);
  const trainer = message.trainerSpec as { modelType: number; byteFallback: boolean; unkId: number };
  const normalizer = message.normalizerSpec as { precompiledCharsmap: number[]; addDummyPrefix: boolean; removeExtraWhitespaces: boolean; escapeWhitespaces: boolean };
  if (trainer.modelType !== ModelType.bpe && trainer.modelType !== ModelType.unigram) {
    throw new SentencePieceError(file, `model type ${trainer.modelType} (word or char) is not supported; only BPE and Unigram SentencePiece models convert to tokenizer.json`);
  }
  if (!normalizer.escapeWhitespaces) throw new SentencePieceError(file, 'models that do not escape whitespace to "▁" are not supported');
  return {
    pieces,
    modelType: trainer.modelType,
    byteFallback: trainer.byteFallback,
    unkId: trainer.unkId,
    precompiledCharsmap: Uint8Array.from(normalizer.precompiledCharsmap),
    addDummyPrefix: normalizer.addDummyPrefix,
    removeExtraWhitespaces: normalizer.removeExtraWhitespaces,
  };
}

/**
 * Polynomial hashes of strings' UTF-16 code units modulo two primes below 2^26, so every step (h·base + unit) is exact
 * in a double. The bases are drawn per call: a file cannot be made to collide them, and a collision would only cost a
 * lookup, since every hit is checked against the vocabulary itself.
 */
const hashPrimes = [67108859, 67108837] as const;

/** Grows `array` (keeping its values) to hold at least `length` entries. */
function atLeast(array: Float64Array, length: number): Float64Array {
  if (array.length >= length) return array;
  const grown = new Float64Array(Math.max(length, array.length * 2));
  grown.set(array);
  return grown;
}

const isHighSurrogate = (unit: number) => unit >= 0xd800 && unit <= 0xdbff;
const isLowSurrogate = (unit: number) => unit >= 0xdc00 && unit <= 0xdfff;

/**
 * BPE merges "left right" for every mergeable piece that splits into two mergeable pieces, ordered by the merged
 * piece's score (highest first), then by the merged piece's id and the parts' ids, as Hugging Face's extractor does.
 *
 * Linear in the vocabulary's length: each piece's prefixes and suffixes are looked up by rolling hash (and by
 * length), and only a hit is cut out of the piece and looked up as a string. Cutting and looking up both halves at
 * every cut made a piece's cost quadratic in its length (20 s for one 40,000-character piece).
 */
export function bpeMerges(pieces: readonly SentencePiece[]): string[] {
  const mergeable = new Map<string, number>();
  pieces.forEach((p, id) => {
    if (p.type === PieceType.normal || p.type === PieceType.userDefined) mergeable.set(p.piece, id);
  });
  const [p1, p2] = hashPrimes;
  const base1 = 65536 + Math.floor(Math.random() * (p1 - 65536));
  const base2 = 65536 + Math.floor(Math.random() * (p2 - 65536));
  const lengths = new Set<number>();
  const hashes = new Set<number>();
  for (const piece of mergeable.keys()) {
    let h1 = 0;
    let h2 = 0;
    for (let i = 0; i < piece.length; i++) {
      const unit = piece.charCodeAt(i);
      h1 = (h1 * base1 + unit) % p1;
      h2 = (h2 * base2 + unit) % p2;
    }
    lengths.add(piece.length);
    hashes.add(h1 * p2 + h2);
  }
  // Prefix hashes of the piece at hand, and powers of the bases, grown to the longest piece.
  let prefix1: Float64Array = new Float64Array(64);
  let prefix2: Float64Array = new Float64Array(64);
  let power1: Float64Array = Float64Array.of(1);
  let power2: Float64Array = Float64Array.of(1);
  const merges: { score: number; id: number; left: number; right: number; text: string }[] = [];
  for (const [merged, id] of mergeable) {
    const n = merged.length;
    if (n < 2) continue;
    prefix1 = atLeast(prefix1, n + 1);
    prefix2 = atLeast(prefix2, n + 1);
    for (let i = 0; i < n; i++) {
      const unit = merged.charCodeAt(i);
      prefix1[i + 1] = (prefix1[i] * base1 + unit) % p1;
      prefix2[i + 1] = (prefix2[i] * base2 + unit) % p2;
    }
    if (power1.length <= n) {
      const from = power1.length;
      power1 = atLeast(power1, n + 1);
      power2 = atLeast(power2, n + 1);
      for (let k = from; k < power1.length; k++) {
        power1[k] = (power1[k - 1] * base1) % p1;
        power2[k] = (power2[k - 1] * base2) % p2;
      }
    }
    for (let cut = 1; cut < n; cut++) {
      // Cuts fall between characters (code points), as splitting [...merged] does: never inside a surrogate pair.
      if (isHighSurrogate(merged.charCodeAt(cut - 1)) && isLowSurrogate(merged.charCodeAt(cut))) continue;
      if (!lengths.has(cut) || !lengths.has(n - cut) || !hashes.has(prefix1[cut] * p2 + prefix2[cut])) continue;
      const right1 = (prefix1[n] - ((prefix1[cut] * power1[n - cut]) % p1) + p1) % p1;
      const right2 = (prefix2[n] - ((prefix2[cut] * power2[n - cut]) % p2) + p2) % p2;
      if (!hashes.has(right1 * p2 + right2)) continue;
      const left = merged.slice(0, cut);
      const right = merged.slice(cut);
      const leftId = mergeable.get(left);
      const rightId = mergeable.get(right);
      if (leftId !== undefined && rightId !== undefined) merges.push({ score: pieces[id].score, id, left: leftId, right: rightId, text: `${left} ${right}` });
    }
  }
  merges.sort((a, b) => b.score - a.score || a.id - b.id || a.left - b.left || a.right - b.right);
  return merges.map((m) => m.text);
}

/** The normalizer_spec as tokenizer.json normalizers, in SentencePiece's order: character map, whitespace clean-up, dummy prefix, `▁`. */
function normalizerJson(model: SentencePieceModel): object {
  const steps: object[] = [];
  if (model.precompiledCharsmap.byteLength > 0) steps.push({ type: 'Precompiled', precompiled_charsmap: Buffer.from(model.precompiledCharsmap).toString('base64') });
  if (model.removeExtraWhitespaces) {
    steps.push({ type: 'Replace', pattern: { Regex: extraWhitespaceRegexes.trim }, content: '' });
    steps.push({ type: 'Replace', pattern: { Regex: extraWhitespaceRegexes.squeeze }, content: ' ' });
  }
  if (model.addDummyPrefix) steps.push({ type: 'Prepend', prepend: '▁' });
  steps.push({ type: 'Replace', pattern: { String: ' ' }, content: '▁' });
  return steps.length === 1 ? steps[0] : { type: 'Sequence', normalizers: steps };
}

function decoderJson(model: SentencePieceModel): object {
  const decoders: object[] = [{ type: 'Replace', pattern: { String: '▁' }, content: ' ' }, { type: 'ByteFallback' }, { type: 'Fuse' }];
  if (model.addDummyPrefix) decoders.push({ type: 'Strip', content: ' ', start: 1, stop: 0 });
  return { type: 'Sequence', decoders };
}

function modelJson(model: SentencePieceModel): object {
  const unkPiece = model.pieces[model.unkId]?.piece ?? null;
  if (model.modelType === ModelType.unigram) {
    return { type: 'Unigram', unk_id: model.unkId, vocab: model.pieces.map((p) => [p.piece, p.score]), byte_fallback: model.byteFallback };
  }
  return {
    type: 'BPE',
    dropout: null,
    unk_token: model.byteFallback ? null : unkPiece,
    continuing_subword_prefix: null,
    end_of_word_suffix: null,
    fuse_unk: true,
    byte_fallback: model.byteFallback,
    vocab: Object.fromEntries(model.pieces.map((p, id) => [p.piece, id])),
    merges: bpeMerges(model.pieces),
  };
}

/** The Hugging Face tokenizer.json object for a parsed SentencePiece model. */
export function sentencePieceToTokenizerJson(model: SentencePieceModel): object {
  const addedTokens = model.pieces.flatMap((p, id) =>
    p.type === PieceType.userDefined ? [{ id, content: p.piece, single_word: false, lstrip: false, rstrip: false, normalized: false, special: false }] : [],
  );
  return {
    version: '1.0',
    truncation: null,
    padding: null,
    added_tokens: addedTokens,
    normalizer: normalizerJson(model),
    pre_tokenizer: null,
    post_processor: null,
    decoder: decoderJson(model),
    model: modelJson(model),
  };
}

/** Reads `tokenizer.model` and returns its tokenizer.json object; errors name the file. */
export function convertSentencePieceFile(file: string): object {
  return sentencePieceToTokenizerJson(parseSentencePieceModel(accessModelFile(file, (path) => fs.readFileSync(path), SentencePieceError), file));
}
