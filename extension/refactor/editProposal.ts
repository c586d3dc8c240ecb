/**
 * A finished rewrite under review: its hunks and the user's decision on each. Pure, so the rules of
 * partial acceptance are tested without VS Code; `editReview.ts` shows it and applies `result()`.
 */
import { applyHunks, diffLines, splitLines, type Hunk } from './lineDiff';

export type HunkDecision = 'undecided' | 'accepted' | 'rejected';

export class EditProposal {
  readonly hunks: readonly Hunk[];
  private readonly originalLines: string[];
  private readonly decisions: HunkDecision[];

  constructor(readonly original: string, rewrite: string) {
    this.originalLines = splitLines(original);
    this.hunks = diffLines(this.originalLines, splitLines(rewrite));
    this.decisions = this.hunks.map(() => 'undecided');
  }

  decision(index: number): HunkDecision {
    return this.decisions[index];
  }

  /** A decided hunk stays decided: a second click on a stale lens must not flip it. */
  decide(index: number, decision: 'accepted' | 'rejected'): void {
    if (this.decisions[index] === 'undecided') this.decisions[index] = decision;
  }

  decideRemaining(decision: 'accepted' | 'rejected'): void {
    this.hunks.forEach((_, index) => this.decide(index, decision));
  }

  get settled(): boolean {
    return this.decisions.every((decision) => decision !== 'undecided');
  }

  get anyAccepted(): boolean {
    return this.decisions.includes('accepted');
  }

  /** The text that replaces the original: accepted hunks only. */
  result(): string {
    return applyHunks(this.originalLines, this.hunks, (index) => this.decisions[index] === 'accepted');
  }

  /** What the diff shows: every hunk not rejected (yet). */
  preview(): string {
    return applyHunks(this.originalLines, this.hunks, (index) => this.decisions[index] !== 'rejected');
  }

  /** The line, counted from the start of the original, where hunk `index` begins in `preview()`. */
  previewLine(index: number): number {
    let shift = 0;
    for (let before = 0; before < index; before++) {
      if (this.decisions[before] !== 'rejected') shift += this.hunks[before].proposedLines.length - this.hunks[before].originalLines.length;
    }
    return this.hunks[index].originalStart + shift;
  }
}

/**
 * What the diff shows while a rewrite streams in: the lines received so far in place of as many
 * original lines, so the diff grows line by line instead of showing the rest of the original deleted.
 */
export function streamingPreview(original: string, streamed: string): string {
  if (streamed === '') return original;
  // `streamed` is whole lines without the last line break, which the original's rest or end supplies.
  const rest = splitLines(original).slice(splitLines(streamed).length).join('');
  return rest !== '' || original.endsWith('\n') ? `${streamed}\n${rest}` : streamed;
}
