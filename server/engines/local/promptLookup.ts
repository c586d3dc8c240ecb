/**
 * Prompt-lookup drafting, the draft-free speculative decoding of llama.cpp's `lookup` example and vLLM's `ngram`
 * speculator: completions and edits repeat their own context (an edited selection is mostly the selection again,
 * a new line is often a near copy of one above), so the tokens that followed the latest earlier occurrence of the
 * sequence's last few tokens are a free guess of what comes next. The model checks the guess in one run and keeps
 * the agreeing prefix, so the output is the model's own; only the number of runs changes.
 */

export interface LookupOptions {
  /** Longest n-gram tried first; a longer match is a more reliable guess. */
  maxNgram: number;
  /** Shortest n-gram still trusted. */
  minNgram: number;
  /** Most tokens drafted at once. */
  maxDraft: number;
}

export const defaultLookup: LookupOptions = { maxNgram: 4, minNgram: 2, maxDraft: 8 };

/**
 * The tokens after the latest earlier occurrence of `tokens`' last n tokens (n from `maxNgram` down to `minNgram`),
 * at most `maxDraft`; empty when nothing matches.
 */
export function draftFromContext(tokens: readonly number[], options: LookupOptions = defaultLookup): number[] {
  const end = tokens.length;
  for (let n = Math.min(options.maxNgram, end - 1); n >= options.minNgram; n--) {
    // A match must end before the sequence does, so that at least one token follows it.
    for (let start = end - n - 1; start >= 0; start--) {
      let matches = true;
      for (let i = 0; i < n && matches; i++) matches = tokens[start + i] === tokens[end - n + i];
      if (!matches) continue;
      const from = start + n;
      return tokens.slice(from, Math.min(from + options.maxDraft, end));
    }
  }
  return [];
}
