/**
 * Where a streaming markdown answer can be cut into a settled part, which later text can no longer change,
 * and a live tail. The page renders each settled part once and re-renders only the tail as text arrives,
 * so a long answer costs about one render in all instead of one whole render per frame.
 *
 * A cut is made after a blank line outside any code fence. Later text can still change earlier markdown
 * in a few ways (a reference-style link defined further down, a list continuing after a blank line); these
 * then render as separate blocks, which reads the same.
 *
 * A code fence longer than `highlightLimit` is cut too, after each complete line: such a block is shown
 * without highlighting (see markdown.ts), so nothing later in it can change how its earlier lines look, and
 * a block of tens of thousands of lines would otherwise be re-rendered whole on every frame until it closes.
 * The part after such a cut is rendered as a continuation of the open fence (`continuedFence`), and the page
 * appends its code to the block's.
 *
 * A long tail with no cut in it (a list or paragraph thousands of lines long) is re-rendered only each time it
 * has grown by a quarter (`tailWorthRendering`), which keeps its renders' total cost linear in its length.
 */
import { highlightLimit } from './markdown';

/** A fence opener or closer: up to three spaces, then three or more backticks or tildes. */
const fenceLine = /^( {0,3})(`{3,}|~{3,})(.*)$/;

/** A code fence the settled text ends inside. */
export interface OpenFence {
  /** Where its opening line starts in the answer: the same fence is still open while this is the same. */
  start: number;
  /** Its opening line, without the newline. */
  opener: string;
}

export interface Settled {
  /** The end of the settled text. */
  end: number;
  /** Set when `end` lies inside a code fence. */
  fence?: OpenFence;
}

/**
 * Finds the settled end of an answer as its deltas arrive: the last blank line outside a code fence, or the last
 * complete line of a fence past `highlightLimit`. It reads each delta once and keeps only the unfinished last
 * line, so following a long answer costs time linear in its length, not in its length on every frame.
 */
export class SettledScanner {
  private current: Settled = { end: 0 };
  /** The unfinished last line: it may still become a fence or get more text, so it is scanned once complete. */
  private rest = '';
  /** Where `rest` starts in the answer. */
  private restStart = 0;
  /** The fence open before `rest`, with its marker and where its code starts. */
  private open: (OpenFence & { marker: string; codeStart: number }) | undefined;

  get settled(): Settled {
    return this.current;
  }

  /** Scans the next `delta` of the answer; returns the settled end so far. */
  append(delta: string): Settled {
    let from = 0;
    for (let newline = delta.indexOf('\n'); newline >= 0; newline = delta.indexOf('\n', from)) {
      this.scanLine(this.rest + delta.slice(from, newline));
      this.rest = '';
      from = newline + 1;
    }
    this.rest += delta.slice(from);
    return this.current;
  }

  private scanLine(line: string): void {
    const start = this.restStart;
    const next = start + line.length + 1;
    this.restStart = next;
    const marker = fenceLine.exec(line);
    if (this.open === undefined) {
      if (marker && !(marker[2][0] === '`' && marker[3].includes('`'))) {
        this.open = { start, opener: line, marker: marker[2], codeStart: next };
      } else if (line.trim() === '') {
        this.current = { end: next };
      }
    } else if (marker && marker[2][0] === this.open.marker[0] && marker[2].length >= this.open.marker.length && marker[3].trim() === '') {
      this.open = undefined;
    } else if (next - this.open.codeStart > highlightLimit) {
      this.current = { end: next, fence: { start: this.open.start, opener: this.open.opener } };
    }
  }
}

/**
 * The markdown that renders settled or tail text after a cut inside `fence` as the rest of its code: its opening
 * line without the info string, so that the code is neither highlighted nor labelled again.
 */
export function continuedFence(fence: OpenFence): string {
  const [, indent, marker] = fenceLine.exec(fence.opener)!;
  return `${indent}${marker}\n`;
}

/** Tails up to this many characters are re-rendered on every frame: a few milliseconds each. */
const eagerTailLength = 64 * 1024;

/** Whether a streaming tail of `length` characters is worth rendering again, when the page shows `shown` of them. */
export function tailWorthRendering(length: number, shown: number): boolean {
  return length <= eagerTailLength || length >= shown * 1.25;
}
