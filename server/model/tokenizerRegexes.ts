/**
 * Which regexes a tokenizer.json may make Rook run. A tokenizer applies its `Split` and `Replace` regexes to every
 * prompt, in JavaScript's backtracking regex engine, where a regex written to backtrack (`(a|aa)+$`) takes time
 * exponential in the length of a line: a crafted tokenizer.json in a downloaded model would hang the sidecar at the
 * first keystroke. As llama.cpp's converter recognizes a pre-tokenizer and refuses one it does not know, Rook runs
 * only the regexes of the tokenizers it supports: the byte-level pre-tokenizers of `preTokenizers` (as the models'
 * files and as Rook's GGUF import write them) and the whitespace clean-up of SentencePiece's normalizer. The tables
 * live here, importing nothing, so the engine checks a model folder without loading converter code.
 */

/** Qwen2's regex, and (as llama.cpp's "qwen2") Qwen2.5's and Qwen3's. */
const qwen2 = "(?i:'s|'t|'re|'ve|'m|'ll|'d)|[^\\r\\n\\p{L}\\p{N}]?\\p{L}+|\\p{N}| ?[^\\s\\p{L}\\p{N}]+[\\r\\n]*|\\s*[\\r\\n]+|\\s+(?!\\S)|\\s+";
/** GPT-2's own: what ByteLevel's `use_regex` applies (OLMoE's GPT-NeoX tokenizer, and llama.cpp's "olmo", the same regex). */
const gpt2 = "'s|'t|'re|'ve|'m|'ll|'d| ?\\p{L}+| ?\\p{N}+| ?[^\\s\\p{L}\\p{N}]+|\\s+(?!\\S)|\\s+";
/** DeepSeek's Chinese, Korean and (in its Coder and LLM tokenizers) U+0800 to U+4E00 ranges. */
const deepseekCjk = '[一-龥ࠀ-一가-퟿]+';

/**
 * llama.cpp's `tokenizer.ggml.pre` names and their tokenizer.json Split regexes, applied in order, each to the pieces
 * the ones before left (llama-vocab.cpp's `regex_exprs`; the DeepSeek ones are its lists as written, which are the
 * models' own tokenizer.json Splits).
 */
export const preTokenizers: ReadonlyMap<string, readonly string[]> = new Map([
  ['qwen2', [qwen2]],
  [
    'gpt-4o',
    [
      "[^\\r\\n\\p{L}\\p{N}]?[\\p{Lu}\\p{Lt}\\p{Lm}\\p{Lo}\\p{M}]*[\\p{Ll}\\p{Lm}\\p{Lo}\\p{M}]+(?i:'s|'t|'re|'ve|'m|'ll|'d)?|[^\\r\\n\\p{L}\\p{N}]?[\\p{Lu}\\p{Lt}\\p{Lm}\\p{Lo}\\p{M}]+[\\p{Ll}\\p{Lm}\\p{Lo}\\p{M}]*(?i:'s|'t|'re|'ve|'m|'ll|'d)?|\\p{N}{1,3}| ?[^\\s\\p{L}\\p{N}]+[\\r\\n/]*|\\s*[\\r\\n]+|\\s+(?!\\S)|\\s+",
    ],
  ],
  ['gpt-2', [gpt2]],
  ['olmo', [gpt2]],
  // LLAMA_VOCAB_PRE_TYPE_DEEPSEEK_CODER (convert_hf_to_gguf's sample: deepseek-coder-6.7b-base).
  ['deepseek-coder', ['[\r\n]', '\\s?\\p{L}+', '\\s?\\p{P}+', deepseekCjk, '\\p{N}']],
  // LLAMA_VOCAB_PRE_TYPE_DEEPSEEK_LLM (deepseek-llm-7b-base's). Its letters' \u escapes are characters NFC changes
  // (U+1FDB to U+038A and the like), escaped so that no editor's normalization turns them into other ranges.
  [
    'deepseek-llm',
    [
      '[\r\n]',
      '\\s?[A-Za-zµÀ-ÖØ-öø-ƺƼ-ƿǄ-ʓʕ-ʯͰ-ͳͶͷͻ-ͽͿΆΈ-ΊΌΎ-ΡΣ-ϵϷ-ҁҊ-ԯԱ-ՖႠ-ჅᎠ-Ᏽᏸ-ᏽᲐ-ᲺᲽ-Ჿᴀ-ᴫᵫ-ᵷᵹ-ᶚḀ-ἕἘ-Ἕἠ-ὅὈ-Ὅὐ-ὗὙὛὝὟ-\u1F7Dᾀ-ᾴᾶ-ᾼ\u1FBEῂ-ῄῆ-ῌῐ-\u1FD3ῖ-\u1FDBῠ-Ῥῲ-ῴῶ-ῼℂℇℊ-ℓℕℙ-ℝℤ\u2126ℨ\u212A-ℭℯ-ℴℹℼ-ℿⅅ-ⅉⅎↃↄⰀ-ⱻⱾ-ⳤⳫ-ⳮⳲⳳꙀ-ꙭꚀ-ꚛꜢ-ꝯꝱ-ꞇꞋ-ꞎꭰ-ꮿﬀ-ﬆﬓ-ﬗＡ-Ｚａ-ｚ𐐀-𐑏𐒰-𐓓𐓘-𐓻𐲀-𐲲𐳀-𐳲𑢠-𑣟𞤀-𞥃]+',
      '\\s?[!-/:-~！-／：-～‘-‟　-。]+',
      '\\s+$',
      deepseekCjk,
      '\\p{N}+',
    ],
  ],
  // LLAMA_VOCAB_PRE_TYPE_DEEPSEEK3_LLM (DeepSeek-V3's).
  [
    'deepseek-v3',
    [
      '\\p{N}{1,3}',
      '[一-龥぀-ゟ゠-ヿ]+',
      "[!\"#$%&'()*+,\\-./:;<=>?@\\[\\\\\\]^_`{|}~][A-Za-z]+|[^\r\n\\p{L}\\p{P}\\p{S}]?[\\p{L}\\p{M}]+| ?[\\p{P}\\p{S}]+[\r\n]*|\\s*[\r\n]+|\\s+(?!\\S)|\\s+",
    ],
  ],
]);

/** llama.cpp's non-ASCII whitespace (unicode-data.cpp's `unicode_set_whitespace`). */
const nonAsciiWhitespace = '[\\u0085\\u00A0\\u1680\\u2000-\\u200A\\u2028\\u2029\\u202F\\u205F\\u3000]';

/**
 * A regex as llama.cpp applies it. A regex with no `\p{…}` runs (unicode.cpp's std::wregex path) over the text with its
 * non-ASCII whitespace replaced by U+000B, so a character class spelling non-ASCII characters (DeepSeek's U+0800 to
 * U+4E00 range, its `　-。`) never matches U+3000 and the like, while `\s` still does: those are taken out of such classes.
 */
export function asLlamaCppApplies(regex: string): string {
  if (regex.includes('\\p{')) return regex;
  return regex.replace(/\[(?!\^)(?:\\.|[^\]\\])*\]/gu, (set) => (/[^\x00-\x7f]/u.test(set) ? `(?:(?!${nonAsciiWhitespace})${set})` : set));
}

/** SentencePiece's `remove_extra_whitespaces` as tokenizer.json Replace regexes (`import/sentencepiece.ts`): trim, then squeeze runs of spaces. */
export const extraWhitespaceRegexes = { trim: '\\A +| +\\z', squeeze: ' {2,}' } as const;

const knownRegexes: ReadonlySet<string> = new Set([
  ...[...preTokenizers.values()].flat().flatMap((regex) => [regex, asLlamaCppApplies(regex)]),
  ...Object.values(extraWhitespaceRegexes),
]);

/** Where a refused regex is, as a path, says no more than this (a nested file's path could be megabytes). */
const maxWhereChars = 160;

/** The parts of a tokenizer.json that run over text; the vocabulary and merges hold no regex and are not walked. */
const textParts = ['normalizer', 'pre_tokenizer', 'post_processor', 'decoder'] as const;

/**
 * A problem with the regexes of a parsed tokenizer.json, naming where it is, or undefined when every regex is known.
 * Walks with its own stack, so a deeply nested file cannot overflow the call stack.
 */
export function unknownTokenizerRegex(tokenizer: unknown): string | undefined {
  if (typeof tokenizer !== 'object' || tokenizer === null) return undefined;
  const pending: { value: unknown; where: string }[] = textParts.map((part) => ({ value: (tokenizer as Record<string, unknown>)[part], where: part }));
  for (let next = pending.pop(); next !== undefined; next = pending.pop()) {
    const { value, where } = next;
    if (typeof value !== 'object' || value === null) continue;
    for (const [key, child] of Object.entries(value)) {
      if (key === 'Regex' && !(typeof child === 'string' && knownRegexes.has(child))) {
        return (
          `its ${where} has the regex ${JSON.stringify(child).slice(0, 120)}, which Rook does not run: a tokenizer applies its ` +
          `regexes to every prompt, and one from an unknown file can take exponential time. Rook runs the pre-tokenizers ` +
          `${[...preTokenizers.keys()].join(', ')} and SentencePiece's whitespace clean-up`
        );
      }
      pending.push({ value: child, where: where.length < maxWhereChars ? `${where}.${key}` : where.endsWith('…') ? where : `${where}…` });
    }
  }
  return undefined;
}
