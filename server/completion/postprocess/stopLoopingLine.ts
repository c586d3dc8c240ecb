import type { CompletionFilter } from './types';

/** Longest phrase looked for as the unit of a loop. */
const maxUnitChars = 24;
/** A loop is this many copies of its unit, in this many characters at least: `[0, 0, 0` is still code. */
const minCopies = 3;
const minLoopChars = 12;

/**
 * Small models also loop inside a line (`f(x, y, y, y, y, y, y`, `_to_to_to_to_to`) until the token limit cuts
 * it. When the last line ends in such a loop of a phrase, keep one copy of the phrase and drop the rest. The loop
 * must run to the end of the text, where the limit cut it: a line the model closed (`[0, 0, 0, 0]`) is code, and
 * a phrase of one repeated character (`======`, `1000000`) never counts. `removeRepetition` handles whole lines.
 */
export const stopLoopingLine: CompletionFilter = (completion) => {
  const lineStart = completion.lastIndexOf('\n') + 1;
  const line = completion.slice(lineStart);
  let cut = line.length;
  for (let unit = 2; unit <= maxUnitChars; unit++) {
    // The loop's start: the earliest position from which the line repeats itself every `unit` characters.
    let start = line.length - unit;
    while (start > 0 && line[start - 1] === line[start - 1 + unit]) start--;
    const looped = line.length - start;
    if (looped < Math.max(minCopies * unit, minLoopChars) || new Set(line.slice(start, start + unit)).size < 2) continue;
    cut = Math.min(cut, start + unit);
  }
  return cut === line.length ? completion : completion.slice(0, lineStart + cut);
};
