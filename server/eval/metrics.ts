/**
 * Scores for one completion against the expected text. Both are compared with trailing whitespace removed from
 * every line and trailing blank lines dropped, which is what an editor user would not notice either.
 */
export function normalize(text: string): string {
  return text
    .split('\n')
    .map((line) => line.trimEnd())
    .join('\n')
    .replace(/\n+$/, '');
}

export function exactMatch(predicted: string, expected: string): boolean {
  return normalize(predicted) === normalize(expected);
}

/** Levenshtein distance in characters (two-row dynamic programme). */
export function editDistance(a: string, b: string): number {
  let previous = Array.from({ length: b.length + 1 }, (_, j) => j);
  for (let i = 1; i <= a.length; i++) {
    const current = [i];
    for (let j = 1; j <= b.length; j++) {
      current[j] = Math.min(previous[j] + 1, current[j - 1] + 1, previous[j - 1] + (a[i - 1] === b[j - 1] ? 0 : 1));
    }
    previous = current;
  }
  return previous[b.length];
}

/** 1 - distance / longer length, in [0, 1]; 1 for two empty strings. */
export function editSimilarity(predicted: string, expected: string): number {
  const a = normalize(predicted);
  const b = normalize(expected);
  const longer = Math.max(a.length, b.length);
  return longer === 0 ? 1 : 1 - editDistance(a, b) / longer;
}
