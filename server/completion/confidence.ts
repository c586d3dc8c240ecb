/**
 * How sure the model is of a suggestion: the geometric-mean probability of the tokens that make up its first
 * non-blank line (exp of their mean log-probability), and the smallest of those tokens' probabilities.
 * Why the first line: it is what the user sees first and accepts most often, and a long tail of later lines would
 * otherwise dilute a confident start or hide a guessed one. Suggestions below the user's threshold are not shown
 * (`rook.completion.minConfidence`; `bench/eval/results.md` has the curve the default was chosen from).
 */

/** Generated text with the log-probabilities of the tokens that produced it (in order). */
export interface ScoredPiece {
  text: string;
  logprobs: readonly number[];
}

export interface Confidence {
  /** exp(mean log-probability) of the first line's tokens, in (0, 1]. */
  mean: number;
  /** The lowest probability among them. */
  min: number;
  /** How many tokens were scored. */
  tokens: number;
}

/**
 * The confidence of `raw` (the concatenated pieces) over the pieces that start before the end of its first
 * non-blank line; undefined when a piece carries no log-probabilities (an engine that does not report them) or
 * nothing was generated.
 */
export function firstLineConfidence(pieces: readonly ScoredPiece[]): Confidence | undefined {
  const raw = pieces.map((piece) => piece.text).join('');
  const firstText = raw.search(/\S/);
  if (firstText === -1) return undefined;
  const lineEnd = raw.indexOf('\n', firstText);
  const end = lineEnd === -1 ? raw.length : lineEnd;
  // Summed in a loop: a long line's log-probabilities can be too many arguments for one push(...) or Math.min(...).
  let count = 0;
  let sum = 0;
  let min = Infinity;
  let start = 0;
  for (const piece of pieces) {
    if (start >= end) break;
    if (piece.logprobs.length === 0) return undefined;
    for (const logprob of piece.logprobs) {
      count++;
      sum += logprob;
      if (logprob < min) min = logprob;
    }
    start += piece.text.length;
  }
  if (count === 0) return undefined;
  return { mean: Math.exp(sum / count), min: Math.exp(min), tokens: count };
}
