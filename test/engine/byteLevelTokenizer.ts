/**
 * A byte-level BPE `tokenizer.json` laid out as Qwen2's (the one Qwen2.5, Qwen2.5-Coder, Qwen3 and their MoE models
 * ship): the 256 byte symbols first, in GPT-2's byte-to-character order, then one piece per merge in merge order;
 * NFC normalization; a `Split` with Qwen's regex followed by `ByteLevel` without its own regex; a `ByteLevel` decoder;
 * Qwen's added tokens after the vocabulary. The merges are learned here by BPE on a small code sample, so the
 * vocabulary has what Qwen's has and the engine must get right: runs of spaces, newlines merged with what precedes
 * them (`;\n`, `\n\n`), characters split across tokens (😀 is its first two bytes, then its last two, which ☀ ends with too).
 */
type TokenizersModule = typeof import('@huggingface/tokenizers', { with: { 'resolution-mode': 'import' } });
const { Tokenizer } = require('@huggingface/tokenizers') as TokenizersModule;

/** Qwen2's pre-tokenizer regex, as its tokenizer.json writes it. */
export const qwenSplitRegex = "(?i:'s|'t|'re|'ve|'m|'ll|'d)|[^\\r\\n\\p{L}\\p{N}]?\\p{L}+|\\p{N}| ?[^\\s\\p{L}\\p{N}]+[\\r\\n]*|\\s*[\\r\\n]+|\\s+(?!\\S)|\\s+";

/** Qwen2.5's added tokens in id order, then Qwen3's four; the FIM, tool and thinking ones are not `special`. */
const qwenAddedTokens: readonly [content: string, special: boolean][] = [
  ...['<|endoftext|>', '<|im_start|>', '<|im_end|>', '<|object_ref_start|>', '<|object_ref_end|>', '<|box_start|>', '<|box_end|>', '<|quad_start|>', '<|quad_end|>', '<|vision_start|>', '<|vision_end|>', '<|vision_pad|>', '<|image_pad|>', '<|video_pad|>'].map((content) => [content, true] as [string, boolean]),
  ...['<tool_call>', '</tool_call>', '<|fim_prefix|>', '<|fim_middle|>', '<|fim_suffix|>', '<|fim_pad|>', '<|repo_name|>', '<|file_sep|>', '<tool_response>', '</tool_response>', '<think>', '</think>'].map((content) => [content, false] as [string, boolean]),
];

/** GPT-2's printable stand-ins for bytes: printable Latin-1 bytes stand for themselves, the rest for U+0100 on. */
export function byteSymbols(): string[] {
  const symbols: string[] = new Array(256);
  let next = 256;
  for (let byte = 0; byte < 256; byte++) {
    const printable = (byte >= 0x21 && byte <= 0x7e) || (byte >= 0xa1 && byte <= 0xac) || byte >= 0xae;
    symbols[byte] = String.fromCodePoint(printable ? byte : next++);
  }
  return symbols;
}

/** Code with the whitespace and characters byte-level BPE merges: indentation, blank lines, CRLF, accents, CJK, emoji. */
const trainingText = [
  'def parse(line: str) -> list[str]:\n    """Split a line; keep the café\'s name."""\n    if not line:\n        return []\n\n\n    return line.split(";")\n',
  'function add(a, b) {\n  const total = a + b;\n  return total;\n}\n\nexport const names = ["naïve", "日本語", "数据"];\n',
  'for (let i = 0; i < n; i++) {\r\n\tsum += values[i];\r\n}\r\n',
  'class Parser:\n    def __init__(self):\n        self.items = []  \n        self.done = False\n\n    # 😀 done\n',
  '#include <stdio.h>\nint main(void) {\n    printf("héllo, wörld\\n");\n    return 0;\n}\n',
  '// 😀 🎉 🚀 ✅ 日本語 日本 本語 ☀ ☀ ☀\n',
].join('\n');

/**
 * Merges learned by BPE on `trainingText` pre-tokenized by `preTokenize`, while some pair occurs twice; ties go
 * to the pair that sorts first.
 */
function learnMerges(preTokenize: (text: string) => string[]): [string, string][] {
  const words = new Map<string, { symbols: string[]; count: number }>();
  for (const piece of preTokenize(trainingText)) {
    const word = words.get(piece) ?? { symbols: [...piece], count: 0 };
    word.count++;
    words.set(piece, word);
  }
  const merges: [string, string][] = [];
  for (;;) {
    const pairs = new Map<string, number>();
    for (const { symbols, count: times } of words.values()) {
      for (let i = 0; i + 1 < symbols.length; i++) {
        const pair = `${symbols[i]} ${symbols[i + 1]}`;
        pairs.set(pair, (pairs.get(pair) ?? 0) + times);
      }
    }
    let best: string | undefined;
    for (const [pair, times] of pairs) {
      const bestTimes = best === undefined ? 0 : pairs.get(best)!;
      if (times > bestTimes || (times === bestTimes && pair < best!)) best = pair;
    }
    if (best === undefined || pairs.get(best)! < 2) break;
    // Split at the space between the two symbols; a byte symbol is never a space (GPT-2 maps 0x20 to Ġ).
    const [left, right] = best.split(' ') as [string, string];
    merges.push([left, right]);
    for (const word of words.values()) {
      const merged: string[] = [];
      for (let i = 0; i < word.symbols.length; i++) {
        if (i + 1 < word.symbols.length && word.symbols[i] === left && word.symbols[i + 1] === right) {
          merged.push(left + right);
          i++;
        } else {
          merged.push(word.symbols[i]);
        }
      }
      word.symbols = merged;
    }
  }
  return merges;
}

export interface QwenStyleTokenizer {
  json: {
    added_tokens: { id: number; content: string; special: boolean }[];
    pre_tokenizer: object;
    model: { type: 'BPE'; vocab: Record<string, number>; merges: string[] };
    [key: string]: unknown;
  };
  /** Pieces and added tokens: the ids run from 0 to `vocabSize - 1`. */
  vocabSize: number;
  /** An added token's id by its text. */
  idOf(content: string): number;
}

/**
 * Qwen's tokenizer, or with `splits` another pre-tokenizer's Split regexes in its place; with `wholeText`, merges
 * learned from that text (after the code sample) as one word, across where the pre-tokenizer splits, so that a text
 * split anywhere else than where the pre-tokenizer splits it tokenizes differently.
 */
export function qwenStyleTokenizer(options: { splits?: readonly string[]; wholeText?: string } = {}): QwenStyleTokenizer {
  const byteLevel = { type: 'ByteLevel', add_prefix_space: false, trim_offsets: false, use_regex: false };
  const splits = (options.splits ?? [qwenSplitRegex]).map((regex) => ({ type: 'Split', pattern: { Regex: regex }, behavior: 'Isolated', invert: false }));
  const json = {
    version: '1.0',
    truncation: null,
    padding: null,
    added_tokens: [] as { id: number; content: string; single_word: boolean; lstrip: boolean; rstrip: boolean; normalized: boolean; special: boolean }[],
    normalizer: { type: 'NFC' },
    pre_tokenizer: { type: 'Sequence', pretokenizers: [...splits, byteLevel] },
    post_processor: byteLevel,
    decoder: byteLevel,
    model: {
      type: 'BPE' as const,
      dropout: null,
      unk_token: null,
      continuing_subword_prefix: '',
      end_of_word_suffix: '',
      fuse_unk: false,
      byte_fallback: false,
      ignore_merges: false,
      vocab: {} as Record<string, number>,
      merges: [] as string[],
    },
  };
  // GPT-2's order: the printable bytes' symbols, then the stand-ins of the others.
  const base = byteSymbols().sort((a, b) => a.codePointAt(0)! - b.codePointAt(0)!);
  base.forEach((symbol, id) => (json.model.vocab[symbol] = id));
  const preTokenizer = new Tokenizer(json, {}).pre_tokenizer!;
  const bytes = new Tokenizer({ ...json, pre_tokenizer: byteLevel }, {}).pre_tokenizer!;
  const merges = options.wholeText === undefined ? learnMerges((text) => preTokenizer.pre_tokenize(text.normalize('NFC'))) : learnMerges((text) => bytes.pre_tokenize(`${text}\n${options.wholeText}`));
  for (const [left, right] of merges) json.model.vocab[left + right] = Object.keys(json.model.vocab).length;
  // "left right", as Qwen2's file writes them (newer tokenizers releases write [left, right] pairs).
  json.model.merges = merges.map((pair) => pair.join(' '));
  const first = Object.keys(json.model.vocab).length;
  json.added_tokens = qwenAddedTokens.map(([content, special], i) => ({ id: first + i, content, single_word: false, lstrip: false, rstrip: false, normalized: false, special }));
  const ids = new Map(json.added_tokens.map(({ id, content }) => [content, id]));
  return {
    json,
    vocabSize: first + json.added_tokens.length,
    idOf(content) {
      const id = ids.get(content);
      if (id === undefined) throw new Error(`no added token ${content}`);
      return id;
    },
  };
}
