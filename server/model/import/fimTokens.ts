/**
 * The fill-in-the-middle and end-of-generation tokens a Hugging Face tokenizer has, found by their spellings: no
 * file names them by role (tokenizer_config.json has only `eos_token`), so the converter, like llama.cpp's vocabulary
 * loader, recognizes each family's own markers. A token is looked up among tokenizer.json's `added_tokens` first (the
 * ids the tokenizer encodes those texts to), then tokenizer_config.json's `added_tokens_decoder`, then the model's
 * vocabulary (CodeLlama's markers are SentencePiece pieces, not added tokens).
 *
 * The files may be hostile: the work is one pass over each list, a list longer than any real vocabulary is refused
 * before it is read, and a malformed entry is an error naming the file and the entry.
 */
import { configLimits, type FimTokenIds } from '../config';
import { ModelFileError } from '../fileError';

export class TokenizerFileError extends ModelFileError {
  override name = 'TokenizerFileError';
}

export interface FimTokens {
  /** The markers of a prefix-suffix-middle prompt; undefined when the tokenizer has no complete set. */
  fim: FimTokenIds | undefined;
  /** Tokens that end a generation, ascending: end-of-text and end-of-turn markers, FIM padding and file separators. */
  stop: number[];
}

/**
 * Each family's markers by role in a prefix-suffix-middle prompt. DeepSeek-Coder writes
 * `<｜fim▁begin｜>prefix<｜fim▁hole｜>suffix<｜fim▁end｜>`: begin plays the prefix marker, hole the suffix's, end the middle's.
 */
const fimFamilies: readonly FimSpelling[] = [
  // Qwen2.5-Coder, Qwen3, Qwen3-Coder and their MoE models; Granite 4.
  { prefix: '<|fim_prefix|>', suffix: '<|fim_suffix|>', middle: '<|fim_middle|>' },
  // StarCoder, Granite Code, Granite 3.x.
  { prefix: '<fim_prefix>', suffix: '<fim_suffix>', middle: '<fim_middle>' },
  // DeepSeek-Coder and DeepSeek-Coder-V2.
  { prefix: '<｜fim▁begin｜>', suffix: '<｜fim▁hole｜>', middle: '<｜fim▁end｜>' },
  // CodeLlama (its tokenizer.model's pieces 32007-32009).
  { prefix: '▁<PRE>', suffix: '▁<SUF>', middle: '▁<MID>' },
];

type FimSpelling = { [role in keyof FimTokenIds]: string };

/** What ends a generation in those families (llama.cpp's end-of-generation list, for the same tokens). */
const stopSpellings = [
  '<|endoftext|>', // Qwen's end of document, StarCoder's and Granite Code's end of text
  '<|im_end|>', // Qwen's end of a chat turn
  '<|end_of_text|>', // Granite 3 and 4
  '<｜end▁of▁sentence｜>', // DeepSeek
  '<|EOT|>', // DeepSeek-Coder Instruct's end of a turn
  '▁<EOT>', // CodeLlama's end of an infilled middle
  // A model that has finished the middle may go on to pad, or to start another file or repository.
  '<|fim_pad|>',
  '<|file_sep|>',
  '<|repo_name|>',
  '<fim_pad>',
  '<file_sep>',
  '<reponame>',
];

const familySpellings = new Set<string>([...fimFamilies.flatMap((family) => Object.values(family)), ...stopSpellings]);

/** The most entries a list may have, and the largest id: no real vocabulary comes near. */
const maxTokens = configLimits.vocab_size.max;

type Found = (content: string, id: number) => void;

export interface TokenizerFiles {
  tokenizer: string;
  config: string;
}

/**
 * The FIM and stop tokens of `tokenizer` (a parsed tokenizer.json), with `config` (a parsed tokenizer_config.json,
 * optional) adding its `added_tokens_decoder` and `eos_token`. `files` names the two files in errors.
 */
export function fimTokens(tokenizer: unknown, config?: unknown, files: TokenizerFiles = { tokenizer: 'tokenizer.json', config: 'tokenizer_config.json' }): FimTokens {
  if (!isObject(tokenizer)) throw new TokenizerFileError(files.tokenizer, 'expected a JSON object');
  if (config !== undefined && !isObject(config)) throw new TokenizerFileError(files.config, 'expected a JSON object');
  const eos = config?.eos_token;
  // tokenizer_config.json's own end-of-text token, whatever its spelling (Mixtral's and CodeLlama's `</s>`).
  const eosText = typeof eos === 'string' ? eos : isObject(eos) && typeof eos.content === 'string' ? eos.content : undefined;
  const wanted = eosText === undefined ? familySpellings : new Set([...familySpellings, eosText]);
  // Map, not a plain object: a spelling such as "__proto__" must not find Object.prototype's.
  const ids = new Map<string, number>();
  const found = (content: string, id: number) => {
    if (wanted.has(content) && !ids.has(content)) ids.set(content, id);
  };
  addedTokens(tokenizer.added_tokens, files.tokenizer, found);
  if (config !== undefined) decoderTokens(config.added_tokens_decoder, files.config, found);
  vocabularyTokens(isObject(tokenizer.model) ? tokenizer.model.vocab : undefined, wanted, files.tokenizer, found);

  const stop = new Set<number>();
  for (const spelling of [...stopSpellings, eosText]) if (spelling !== undefined && ids.has(spelling)) stop.add(ids.get(spelling)!);
  return { fim: fimSet(ids, files.tokenizer), stop: [...stop].sort((a, b) => a - b) };
}

/** The first family whose three markers are all there. */
function fimSet(ids: ReadonlyMap<string, number>, file: string): FimTokenIds | undefined {
  for (const family of fimFamilies) {
    const prefix = ids.get(family.prefix);
    const suffix = ids.get(family.suffix);
    const middle = ids.get(family.middle);
    if (prefix === undefined || suffix === undefined || middle === undefined) continue;
    if (new Set([prefix, suffix, middle]).size !== 3) throw new TokenizerFileError(file, `the fill-in-the-middle tokens ${family.prefix}, ${family.suffix} and ${family.middle} must have three different ids (have ${prefix}, ${suffix}, ${middle})`);
    return { prefix, suffix, middle };
  }
  return undefined;
}

/** tokenizer.json's `added_tokens`: `[{ id, content, ... }]`. */
function addedTokens(list: unknown, file: string, found: Found): void {
  if (list === undefined || list === null) return;
  if (!Array.isArray(list)) throw new TokenizerFileError(file, '"added_tokens" must be a list');
  checkCount(list.length, '"added_tokens"', file);
  list.forEach((entry: unknown, index) => {
    const where = `"added_tokens"[${index}]`;
    if (!isObject(entry)) throw new TokenizerFileError(file, `${where} must be an object with "id" and "content"`);
    if (typeof entry.content !== 'string') throw new TokenizerFileError(file, `${where} has no string "content"`);
    found(entry.content, checkId(entry.id, `${where}.id`, file));
  });
}

/** tokenizer_config.json's `added_tokens_decoder`: `{ "<id>": { content, ... } }`. */
function decoderTokens(decoder: unknown, file: string, found: Found): void {
  if (decoder === undefined || decoder === null) return;
  if (!isObject(decoder)) throw new TokenizerFileError(file, '"added_tokens_decoder" must be an object');
  const keys = Object.keys(decoder);
  checkCount(keys.length, '"added_tokens_decoder"', file);
  for (const key of keys) {
    const where = `"added_tokens_decoder" entry ${JSON.stringify(key.length > 40 ? `${key.slice(0, 40)}...` : key)}`;
    // A canonical decimal id: "007" or "1e3" would name another token than the one the file seems to mean.
    if (!/^(0|[1-9]\d{0,9})$/.test(key)) throw new TokenizerFileError(file, `${where}: the key must be a token id`);
    const entry = decoder[key];
    if (!isObject(entry) || typeof entry.content !== 'string') throw new TokenizerFileError(file, `${where} has no string "content"`);
    found(entry.content, checkId(Number(key), where, file));
  }
}

/** The model's vocabulary: `{ piece: id }` (BPE, WordPiece), or `[[piece, score]]` with the index as id (Unigram). */
function vocabularyTokens(vocab: unknown, wanted: ReadonlySet<string>, file: string, found: Found): void {
  if (Array.isArray(vocab)) {
    checkCount(vocab.length, 'the vocabulary', file);
    vocab.forEach((entry: unknown, id) => {
      if (Array.isArray(entry) && typeof entry[0] === 'string') found(entry[0], id);
    });
  } else if (isObject(vocab)) {
    // Only the wanted spellings are looked up: a vocabulary of any size costs the same.
    for (const spelling of wanted) {
      if (Object.hasOwn(vocab, spelling)) found(spelling, checkId(vocab[spelling], `the vocabulary's ${JSON.stringify(spelling)}`, file));
    }
  }
}

function checkCount(count: number, what: string, file: string): void {
  if (count > maxTokens) throw new TokenizerFileError(file, `${what} has ${count} entries; ${configLimits.vocab_size.why}`);
}

function checkId(id: unknown, where: string, file: string): number {
  if (!Number.isInteger(id) || (id as number) < 0 || (id as number) >= maxTokens) throw new TokenizerFileError(file, `${where} must be a token id from 0 to ${maxTokens - 1} (is ${shown(id)})`);
  return id as number;
}

function shown(value: unknown): string {
  const text = JSON.stringify(value) ?? String(value);
  return text.length > 40 ? `${text.slice(0, 40)}...` : text;
}

function isObject(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}
