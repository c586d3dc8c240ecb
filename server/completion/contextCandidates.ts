/**
 * Line continuations copied from the document and the context snippets, for the model to weigh against its greedy line.
 *
 * Why: greedy decoding commits to the likeliest first token, and a small model that does not think of a name it
 * could copy (a call's argument list written a few lines up, a name in a retrieved snippet) never reaches it, even
 * when it rates the whole copied line likelier than its own once it sees it: after the first token of a copy, the
 * rest is easy. So the places in the document (beyond the model's window too, as the copy-the-nearest-line baseline
 * reads it) and in the context snippets where the text before the cursor occurs again offer what followed them, up
 * to the end of their line; the engine scores each as a whole line (`Engine.scoreContinuations`), the
 * greedy line among them, and the likeliest is shown. The model still decides; the context only proposes. This is
 * prompt-lookup drafting (`engines/local/promptLookup.ts`) judged by a whole line's probability rather than token
 * by token, where the greedy choice of the first token would reject it.
 *
 * A copy whose match reaches back to the start of its line (the typed line, indentation aside, begins that line too)
 * gets a prior weight of `lineRepeatLogPrior` beside the model's rating: such lines repeat in code (a test's asserts,
 * a table's rows), and the small model under-rates a copy it has not started. The weight is calibrated on held-out
 * packages (bench/completion/README.md, "A line that starts as the typed line does").
 */
import { rankOf, type ContinuationScore, type ContinuationToScore } from '../engines/engine';

export interface ContinuationLimits {
  /** Characters of the typed line that must match, unless the match reaches back to a line start. */
  minMatchChars: number;
  /** Characters compared at most (a longer match is not a better one). */
  maxMatchChars: number;
  /** Most candidates proposed (each costs the engine a short forward run). */
  maxCandidates: number;
  /** Longest continuation proposed, in characters. */
  maxChars: number;
  /** Occurrences of the typed text looked at per source, nearest first (bounded work per keystroke on a big file). */
  maxOccurrences: number;
}

/** Natural-log prior weight of a copy of a line that starts as the typed line does (e^10: the model must rate its own line 22,000 times likelier). */
export const lineRepeatLogPrior = 10;

export const defaultContinuationLimits: ContinuationLimits = { minMatchChars: 3, maxMatchChars: 64, maxCandidates: 4, maxChars: 160, maxOccurrences: 1000 };

/** Where copies are looked for: the document before the cursor (nearest last), after it (nearest first), and context snippets. */
export interface ContinuationSources {
  before: string;
  after: string;
  snippets: string;
}

/** A place in a source where the typed text occurs: how much of it matched, and how far from the cursor. */
interface Match {
  continuation: string;
  matched: number;
  atLineStart: boolean;
  distance: number;
}

/** Length of the common suffix of `a` (up to index `aEnd`) and `b`, at most `limit`. */
function commonSuffix(a: string, aEnd: number, b: string, limit: number): number {
  let length = 0;
  while (length < limit && length < aEnd && a[aEnd - 1 - length] === b[b.length - 1 - length]) length++;
  return length;
}

/**
 * Where `key` occurs in `source`, at most `limit` places: from the start onwards, or `backwards` from the end, where
 * an occurrence that ends `source` is skipped (the typed text itself).
 */
function* occurrences(source: string, key: string, limit: number, backwards = false): Generator<number> {
  let at = backwards ? source.lastIndexOf(key, source.length - key.length - 1) : source.indexOf(key);
  for (let seen = 0; at !== -1 && seen < limit; seen++) {
    yield at;
    at = backwards ? (at === 0 ? -1 : source.lastIndexOf(key, at - 1)) : source.indexOf(key, at + 1);
  }
}

/**
 * What followed the other occurrences of the cursor line's typed text in `sources`: the rest of each such line,
 * best first: the longest match, then one that starts its line as the typed text does, then the nearest (snippets
 * count as farther than the document), each with its prior weight. Nothing when the typed line is blank (the answer
 * then starts a new line, which a copy would only guess).
 */
export function contextContinuations(linePrefix: string, sources: ContinuationSources, limits: ContinuationLimits = defaultContinuationLimits): Required<ContinuationToScore>[] {
  const typed = linePrefix.trimStart();
  if (typed.trim() === '') return [];
  const compared = typed.slice(-limits.maxMatchChars);
  const key = compared.slice(-Math.min(limits.minMatchChars, compared.length));
  const matches: Match[] = [];
  const consider = (source: string, at: number, distance: number) => {
    const end = at + key.length;
    const lineEnd = source.indexOf('\n', end);
    const continuation = source.slice(end, lineEnd === -1 ? source.length : lineEnd).trimEnd();
    if (continuation === '' || continuation.length > limits.maxChars) return;
    const matched = commonSuffix(source, end, compared, compared.length);
    const lineStart = source.lastIndexOf('\n', end - 1) + 1;
    const atLineStart = matched === compared.length && compared === typed && source.slice(lineStart, end - matched).trim() === '';
    if (matched < limits.minMatchChars && !atLineStart) return;
    matches.push({ continuation, matched, atLineStart, distance });
  };
  const { before, after, snippets } = sources;
  // Outward from the cursor, past the typed text itself, which ends `before`.
  for (const at of occurrences(before, key, limits.maxOccurrences, true)) consider(before, at, before.length - at);
  for (const at of occurrences(after, key, limits.maxOccurrences)) consider(after, at, at);
  for (const at of occurrences(snippets, key, limits.maxOccurrences)) consider(snippets, at, before.length + after.length + at);
  matches.sort((a, b) => b.matched - a.matched || Number(b.atLineStart) - Number(a.atLineStart) || a.distance - b.distance);
  const chosen: Required<ContinuationToScore>[] = [];
  for (const match of matches) {
    if (chosen.length >= limits.maxCandidates) break;
    // Sorted so that a line-start match of a text comes before its other matches.
    if (!chosen.some((continuation) => continuation.text === match.continuation)) chosen.push({ text: match.continuation, logPrior: match.atLineStart ? lineRepeatLogPrior : 0 });
  }
  return chosen;
}

/** The index of the continuation that ranks first by log-probability plus prior weight; the first (the greedy answer) wins ties. */
export function likeliest(scores: readonly ContinuationScore[], continuations: readonly ContinuationToScore[]): number {
  const rank = (index: number) => rankOf(scores[index].logprob, continuations[index]);
  let best = 0;
  for (let index = 1; index < scores.length; index++) if (rank(index) > rank(best)) best = index;
  return best;
}
