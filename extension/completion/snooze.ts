/** "Rook: Snooze Completions": no automatic suggestions until a time; manual triggers still work. */
export class Snooze {
  private until = 0;

  snooze(minutes: number, now: number): void {
    this.until = now + minutes * 60_000;
  }

  resume(): void {
    this.until = 0;
  }

  isSnoozed(now: number): boolean {
    return now < this.until;
  }

  /** Whole minutes left, rounded up; 0 when not snoozed. */
  minutesLeft(now: number): number {
    return Math.max(0, Math.ceil((this.until - now) / 60_000));
  }
}
