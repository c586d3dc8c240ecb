/**
 * Where a streaming markdown answer can be cut into a settled part, which later text can no longer change,
 * and a live tail. The page renders each settled part once and re-renders only the tail as text arrives,
 * so a long answer costs about one render in all instead of one whole render per frame.
 *
 * A cut is made after a blank line outside any code fence. Later text can still change earlier markdown
 * in a few ways (a reference-style link defined further down, a list continuing after a blank line); these
 * then render as separate blocks, which reads the same.
 */

/** A fence opener or closer: up to three spaces, then three or more backticks or tildes. */
const fenceLine = /^ {0,3}(`{3,}|~{3,})(.*)$/;

/**
 * The end of the settled text of `text`: the last blank-line boundary outside a code fence at or after
 * `from`, which must itself be such a boundary (0 at the start); `from` when there is none yet.
 */
export function settledEnd(text: string, from: number): number {
  let settled = from;
  let fence: string | undefined;
  let lineStart = from;
  while (lineStart < text.length) {
    const newline = text.indexOf('\n', lineStart);
    // An unfinished last line may still become a fence or get more text: it never counts.
    if (newline < 0) break;
    const line = text.slice(lineStart, newline);
    const marker = fenceLine.exec(line);
    if (fence === undefined) {
      if (marker && !(marker[1][0] === '`' && marker[2].includes('`'))) {
        fence = marker[1];
      } else if (line.trim() === '') {
        settled = newline + 1;
      }
    } else if (marker && marker[1][0] === fence[0] && marker[1].length >= fence.length && marker[2].trim() === '') {
      fence = undefined;
    }
    lineStart = newline + 1;
  }
  return settled;
}
