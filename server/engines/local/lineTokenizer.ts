/**
 * Tokenizes a text line by line, keeping each line's tokens, for tokenizers in which no token spans a line break:
 * a SentencePiece-style BPE with no pre-tokenizer whose `\n` is only ever its own byte token (the embedded model's;
 * Grok-1's and Mixtral's have the same layout). Then a text's tokens are its lines' tokens joined by the newline
 * token, and a keystroke re-tokenizes the one line it changed instead of the whole prompt.
 *
 * Why by hand: the tokenizers library has no incremental API, and with no pre-tokenizer it runs BPE over the whole
 * text as one word, in time that grows faster than the text, which every keystroke's prompt paid (the figures are
 * in bench/completion/README.md).
 */

/** The parts of a `tokenizer.json` the engine reads: what decides whether a line break can be inside a token, and the special tokens. */
export interface TokenizerJson {
  normalizer?: unknown;
  pre_tokenizer?: unknown;
  model?: { type?: string; vocab?: Record<string, number> | [string, number][] };
  added_tokens?: ({ id?: unknown; special?: unknown } | null)[];
}

/** Lines kept; a prompt has at most a few hundred, several open files' worth fit. */
const maxCachedLines = 20_000;

/** Code with blank lines, indentation and a trailing newline: the self-check's text. */
const sample = 'def f(x):\n    return x + 1\n\n\nclass A:\n  """Doc."""\n\tpass\n// c\n  if (a) {\n    b();\n  }\n';

export class LineTokenizer {
  private readonly lines = new Map<string, readonly number[]>();

  private constructor(
    private readonly encodeWhole: (text: string) => number[],
    private readonly newline: number,
  ) {}

  /**
   * A line tokenizer for `json`'s tokenizer when splitting at line breaks gives exactly its tokens: a BPE model with
   * no pre-tokenizer, no normalizer that prepends, no vocabulary piece holding a line break (raw, or as byte-level
   * BPE's `Ċ`), `\n` as one token, and the same tokens whole and by lines on a sample. Otherwise undefined.
   */
  static ifExact(json: TokenizerJson, encode: (text: string) => number[]): LineTokenizer | undefined {
    if (json.model?.type !== 'BPE' || json.pre_tokenizer != null || JSON.stringify(json.normalizer ?? null).includes('Prepend')) return undefined;
    const vocab = json.model.vocab ?? {};
    const pieces = Array.isArray(vocab) ? vocab.map(([piece]) => piece) : Object.keys(vocab);
    if (pieces.some((piece) => piece.includes('\n') || piece.includes('Ċ'))) return undefined;
    const newline = encode('\n');
    if (newline.length !== 1) return undefined;
    const lineTokenizer = new LineTokenizer(encode, newline[0]);
    const whole = encode(sample);
    const byLines = lineTokenizer.encode(sample);
    return whole.length === byLines.length && whole.every((id, i) => id === byLines[i]) ? lineTokenizer : undefined;
  }

  encode(text: string): number[] {
    const ids: number[] = [];
    text.split('\n').forEach((line, index) => {
      if (index > 0) ids.push(this.newline);
      for (const id of this.lineTokens(line)) ids.push(id);
    });
    return ids;
  }

  private lineTokens(line: string): readonly number[] {
    if (line === '') return [];
    let ids = this.lines.get(line);
    if (ids) {
      // Re-inserted, so the Map's order is least recently used first.
      this.lines.delete(line);
    } else {
      ids = this.encodeWhole(line);
      if (this.lines.size >= maxCachedLines) this.lines.delete(this.lines.keys().next().value!);
    }
    this.lines.set(line, ids);
    return ids;
  }
}
