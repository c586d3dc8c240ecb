/**
 * Byte-level BPE vocabularies (GPT-2's byte-to-character alphabet: Qwen, OLMoE, Granite, gpt-oss, DeepSeek) between a
 * Hugging Face `tokenizer.json` and llama.cpp's `tokenizer.ggml.model` "gpt2": tokens by id with their types, merges,
 * and `tokenizer.ggml.pre`, the name under which llama.cpp keeps each tokenizer's pre-tokenizer regexes (the GGUF holds
 * no regex). `preTokenizers` (`../tokenizerRegexes.ts`) spells those regexes as tokenizer.json writes them, for the names
 * Rook reads and writes.
 */

import { asLlamaCppApplies, preTokenizers } from '../tokenizerRegexes';

/** llama.cpp's token types. */
export const TokenType = { normal: 1, unknown: 2, control: 3, userDefined: 4, unused: 5, byte: 6 } as const;

export interface ByteLevelVocab {
  pre: string;
  tokens: string[];
  types: number[];
  merges: string[];
}

type Json = Record<string, unknown>;
const isObject = (value: unknown): value is Json => typeof value === 'object' && value !== null && !Array.isArray(value);

/** The pre-tokenizer steps of a tokenizer.json (a Sequence's, or the one step). */
function steps(part: unknown): Json[] {
  if (!isObject(part)) return [];
  const list = part.type === 'Sequence' && Array.isArray(part.pretokenizers) ? part.pretokenizers : [part];
  return list.slice(0, 16).filter(isObject);
}

/** The `tokenizer.ggml.pre` name of a byte-level tokenizer.json, undefined when it is not byte-level, an error when llama.cpp has no name for its regex. */
export function preTokenizerName(tokenizer: unknown, file: string): string | undefined {
  if (!isObject(tokenizer)) return undefined;
  const pre = steps(tokenizer.pre_tokenizer);
  const byteLevel = pre.find((step) => step.type === 'ByteLevel');
  if (!byteLevel) return undefined;
  if (pre.length === 1 && byteLevel.use_regex !== false) return 'gpt-2';
  // The Splits before ByteLevel, as the models' own files or `tokenizerJsonOf` spell them.
  const patterns = pre.slice(0, -1).map((step) => (step.type === 'Split' && isObject(step.pattern) ? step.pattern.Regex : undefined));
  const spells = (regexes: readonly string[]) => pre.at(-1) === byteLevel && patterns.length === regexes.length && regexes.every((regex, i) => patterns[i] === regex || patterns[i] === asLlamaCppApplies(regex));
  for (const [name, regexes] of preTokenizers) if (spells(regexes)) return name;
  throw new Error(`${file}: a byte-level tokenizer whose pre-tokenizer llama.cpp has no name for (known: ${[...preTokenizers.keys()].join(', ')}); the GGUF would tokenize differently`);
}

/** A merge as tokenizer.json writes it: "left right", or (newer files) ["left", "right"]. */
function mergeText(merge: unknown, file: string): string {
  if (typeof merge === 'string') return merge;
  if (Array.isArray(merge) && merge.length === 2 && merge.every((part) => typeof part === 'string')) return `${merge[0]} ${merge[1]}`;
  throw new Error(`${file}: a merge is ${JSON.stringify(merge).slice(0, 80)}, not "left right" or ["left", "right"]`);
}

/**
 * The GGUF vocabulary of a byte-level tokenizer.json padded to `vocabSize` (as convert_hf_to_gguf.py pads Qwen's:
 * `[PADn]` tokens of type unused): model vocab as normal tokens, added tokens as control (special) or user-defined.
 */
export function byteLevelVocabOf(tokenizer: Json, pre: string, vocabSize: number, file: string): ByteLevelVocab {
  const model = tokenizer.model as { vocab?: unknown; merges?: unknown } | undefined;
  if (!isObject(model) || !isObject(model.vocab) || !Array.isArray(model.merges)) throw new Error(`${file}: expected a BPE model with a vocab and merges`);
  const tokens: string[] = new Array(vocabSize);
  const types: number[] = new Array(vocabSize).fill(TokenType.unused);
  const place = (id: unknown, text: string, type: number) => {
    if (!Number.isInteger(id) || (id as number) < 0 || (id as number) >= vocabSize) throw new Error(`${file}: token ${JSON.stringify(text).slice(0, 40)} has id ${JSON.stringify(id)}, outside config.json's vocab_size ${vocabSize}`);
    tokens[id as number] = text;
    types[id as number] = type;
  };
  for (const [text, id] of Object.entries(model.vocab)) place(id, text, TokenType.normal);
  for (const added of Array.isArray(tokenizer.added_tokens) ? tokenizer.added_tokens : []) {
    if (isObject(added) && typeof added.content === 'string') place(added.id, added.content, added.special === true ? TokenType.control : TokenType.userDefined);
  }
  for (let id = 0; id < vocabSize; id++) tokens[id] ??= `[PAD${id}]`;
  return { pre, tokens, types, merges: model.merges.map((merge) => mergeText(merge, file)) };
}

/** The tokenizer.json of a GGUF byte-level vocabulary: its pre-tokenizer regexes by name, as llama.cpp applies them, ByteLevel steps, merges in rank order. */
export function tokenizerJsonOf(vocab: ByteLevelVocab, file: string): object {
  const regexes = preTokenizers.get(vocab.pre);
  if (regexes === undefined) throw new Error(`${file}: tokenizer.ggml.pre "${vocab.pre}" is not one Rook reads (${[...preTokenizers.keys()].join(', ')}); convert the original checkpoint with its tokenizer.json instead`);
  const modelVocab: Record<string, number> = {};
  const added: object[] = [];
  vocab.tokens.forEach((text, id) => {
    const type = vocab.types[id];
    if (type === TokenType.control || type === TokenType.userDefined) added.push({ id, content: text, single_word: false, lstrip: false, rstrip: false, normalized: false, special: type === TokenType.control });
    else modelVocab[text] = id;
  });
  return {
    version: '1.0',
    truncation: null,
    padding: null,
    added_tokens: added,
    normalizer: null,
    pre_tokenizer: {
      type: 'Sequence',
      pretokenizers: [
        ...regexes.map((regex) => ({ type: 'Split', pattern: { Regex: asLlamaCppApplies(regex) }, behavior: 'Isolated', invert: false })),
        { type: 'ByteLevel', add_prefix_space: false, trim_offsets: false, use_regex: false },
      ],
    },
    post_processor: null,
    decoder: { type: 'ByteLevel', add_prefix_space: false, trim_offsets: false, use_regex: false },
    model: { type: 'BPE', dropout: null, unk_token: null, continuing_subword_prefix: null, end_of_word_suffix: null, fuse_unk: false, byte_fallback: false, ignore_merges: false, vocab: modelVocab, merges: vocab.merges },
  };
}
