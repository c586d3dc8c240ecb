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
 * BPE merges "left right" for every mergeable piece that splits into two mergeable pieces, ordered by the merged
 * piece's score (highest first), then by the merged piece's id and the parts' ids, as Hugging Face's extractor does.
 */
export function bpeMerges(pieces: readonly SentencePiece[]): string[] {
  const mergeable = new Map<string, number>();
  pieces.forEach((p, id) => {
    if (p.type === PieceType.normal || p.type === PieceType.userDefined) mergeable.set(p.piece, id);
  });
  const merges: { score: number; id: number; left: number; right: number; text: string }[] = [];
  for (const [merged, id] of mergeable) {
    const chars = [...merged];
    for (let cut = 1; cut < chars.length; cut++) {
      const left = chars.slice(0, cut).join('');
      const right = chars.slice(cut).join('');
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
    steps.push({ type: 'Replace', pattern: { Regex: '\\A +| +\\z' }, content: '' });
    steps.push({ type: 'Replace', pattern: { Regex: ' {2,}' }, content: ' ' });
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
