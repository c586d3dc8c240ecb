/**
 * A file cut into the chunks the index ranks: windows of lines that overlap by a third, so a definition near a
 * window's edge is whole in the next one. A window starts early at a top-level line (no indentation, not a closer)
 * when one is near, which is the cheap part of cutting by syntax: chunks then tend to begin at a declaration.
 * Blank windows are dropped. Only line numbers are kept: the text is read back from the file when a chunk is used,
 * so the index holds no copy of the workspace.
 */

export interface ChunkLines {
  /** Zero-based, inclusive. */
  firstLine: number;
  lastLine: number;
}

export const chunkLines = 24;
/** A third of a chunk overlaps the next: enough for a definition at the edge, and each line is indexed at most twice. */
const strideLines = 16;
/** How far back from a window's usual start a top-level line may pull it. */
const snapLines = 3;

const topLevel = /^[^\s})\]]/;

/** The chunks of a file of `lines`, in order. */
export function chunkFile(lines: readonly string[]): ChunkLines[] {
  const chunks: ChunkLines[] = [];
  let first = 0;
  while (first < lines.length) {
    const lastLine = Math.min(lines.length, first + chunkLines) - 1;
    if (lines.slice(first, lastLine + 1).some((line) => line.trim() !== '')) chunks.push({ firstLine: first, lastLine });
    if (lastLine === lines.length - 1) break;
    first = nextStart(lines, first + strideLines, first);
  }
  return chunks;
}

/** `usual`, or the top-level line closest before it within `snapLines` (never at or before `previous`). */
function nextStart(lines: readonly string[], usual: number, previous: number): number {
  for (let line = usual; line >= usual - snapLines && line > previous; line--) if (topLevel.test(lines[line])) return line;
  return usual;
}

/** The text of a chunk from its file's lines. */
export function chunkText(lines: readonly string[], chunk: ChunkLines): string {
  return lines.slice(chunk.firstLine, chunk.lastLine + 1).join('\n');
}
