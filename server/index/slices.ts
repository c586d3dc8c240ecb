/**
 * Cooperative scheduling for indexing, which runs on the sidecar's one thread beside completions: work goes in
 * slices of a few milliseconds, each followed by a turn of the event loop (so a completion request that arrived
 * is served first), and while the user types (`noteActivity`, on each completion request and document change)
 * the next slice waits until typing has paused.
 */
import { setImmediate as nextTurn, setTimeout as sleep } from 'node:timers/promises';

export class Slicer {
  private sliceStart = performance.now();
  private busyUntil = 0;

  /** `sliceMs` of work at a time; after activity, `quietMs` without any before work resumes. */
  constructor(
    private readonly sliceMs = 8,
    private readonly quietMs = 300,
  ) {}

  noteActivity(): void {
    this.busyUntil = performance.now() + this.quietMs;
  }

  /** Whether the current slice may go on. */
  hasTime(): boolean {
    const now = performance.now();
    return now - this.sliceStart < this.sliceMs && now >= this.busyUntil;
  }

  /** Returns at once while the slice has time; otherwise yields the thread, and waits out typing, first. */
  async pause(): Promise<void> {
    if (this.hasTime()) return;
    await nextTurn();
    for (let wait = this.busyUntil - performance.now(); wait > 0; wait = this.busyUntil - performance.now()) await sleep(wait);
    this.sliceStart = performance.now();
  }
}
