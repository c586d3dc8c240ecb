import type { CompletionFilter } from './types';

/** Longest phrase looked for as the unit of a loop. */
const maxUnitChars = 24;
/** A loop is this many copies of its unit, in this many characters at least: `[0, 0, 0` is still code. */
const minCopies = 3;
const minLoopChars = 12;
/** A letter repeated this often is a loop as well (`OMMMMMMMMMMMMMMMMMMM`); digits and punctuation never are. */
const minLetterCopies = 12;

/** Where the run of one repeated letter that ends `line` starts, if it is a loop; undefined if not. */
function letterLoopStart(line: string): number | undefined {
  const last = line.at(-1);
  if (last === undefined || !/\p{L}/u.test(last)) return undefined;
  let start = line.length - 1;
  while (start > 0 && line[start - 1] === last) start--;
  return line.length - start >= minLetterCopies ? start : undefined;
}

/**
 * Small models also loop inside a line (`f(x, y, y, y, y, y, y`, `_to_to_to_to_to`) until the token limit cuts
 * it. When the last line ends in such a loop of a phrase, keep one copy of the phrase and drop the rest. The loop
 * must run to the end of the text, where the limit cut it: a line the model closed (`[0, 0, 0, 0]`) is code. One
 * repeated character counts only as a letter repeated `minLetterCopies` times: runs of digits and punctuation are
 * numbers and rules (`1000000`, `======`). `removeRepetition` handles whole lines.
 */
export const stopLoopingLine: CompletionFilter = (completion) => {
  const lineStart = completion.lastIndexOf('\n') + 1;
  const line = completion.slice(lineStart);
  const letterLoop = letterLoopStart(line);
  let cut = letterLoop === undefined ? line.length : letterLoop + 1;
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
