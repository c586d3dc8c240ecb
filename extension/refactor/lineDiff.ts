/**
 * Line diff of a selection and its rewrite, as hunks that can be applied one by one.
 *
 * Written here rather than taken from a library: none is among Rook's dependencies, and a selection is
 * small enough that a longest-common-subsequence table (after trimming the common head and tail) is
 * fast and ~50 lines, where Myers' O(ND) algorithm would only pay off on whole files.
 */

/** One contiguous change: `originalLines` (possibly none) starting at `originalStart` become `proposedLines`. */
export interface Hunk {
  /** Index into the original's lines. */
  originalStart: number;
  originalLines: string[];
  proposedLines: string[];
}

/** Above this many table cells the middle is reported as one hunk instead of being aligned line by line. */
const maxTableCells = 4_000_000;

/** Lines with their terminators kept, so that joining them gives back the text byte for byte. */
export function splitLines(text: string): string[] {
  return text === '' ? [] : text.split(/(?<=\n)/);
}

export function diffLines(original: string[], proposed: string[]): Hunk[] {
  let head = 0;
  while (head < original.length && head < proposed.length && original[head] === proposed[head]) head++;
  let tail = 0;
  while (
    tail < original.length - head &&
    tail < proposed.length - head &&
    original[original.length - 1 - tail] === proposed[proposed.length - 1 - tail]
  ) {
    tail++;
  }
  const a = original.slice(head, original.length - tail);
  const b = proposed.slice(head, proposed.length - tail);
  if (a.length === 0 && b.length === 0) return [];
  if (a.length * b.length > maxTableCells) return [{ originalStart: head, originalLines: a, proposedLines: b }];

  // common[i][j]: length of the longest common subsequence of a[i..] and b[j..].
  const width = b.length + 1;
  const common = new Uint32Array((a.length + 1) * width);
  for (let i = a.length - 1; i >= 0; i--) {
    for (let j = b.length - 1; j >= 0; j--) {
      common[i * width + j] = a[i] === b[j] ? common[(i + 1) * width + j + 1] + 1 : Math.max(common[(i + 1) * width + j], common[i * width + j + 1]);
    }
  }

  const hunks: Hunk[] = [];
  let open: Hunk | undefined;
  let i = 0;
  let j = 0;
  while (i < a.length || j < b.length) {
    if (i < a.length && j < b.length && a[i] === b[j]) {
      open = undefined;
      i++;
      j++;
      continue;
    }
    if (!open) {
      open = { originalStart: head + i, originalLines: [], proposedLines: [] };
      hunks.push(open);
    }
    if (j >= b.length || (i < a.length && common[(i + 1) * width + j] >= common[i * width + j + 1])) {
      open.originalLines.push(a[i++]);
    } else {
      open.proposedLines.push(b[j++]);
    }
  }
  return hunks;
}

/** The original with the hunks `take` selects applied; `hunks` must come from `diffLines(original, …)`. */
export function applyHunks(original: string[], hunks: readonly Hunk[], take: (index: number) => boolean): string {
  const out: string[] = [];
  let next = 0;
  hunks.forEach((hunk, index) => {
    out.push(...original.slice(next, hunk.originalStart));
    out.push(...(take(index) ? hunk.proposedLines : hunk.originalLines));
    next = hunk.originalStart + hunk.originalLines.length;
  });
  out.push(...original.slice(next));
  return out.join('');
}
