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

  /** When the snooze ends (ms since the epoch); undefined when not snoozed. */
  endsAt(now: number): number | undefined {
    return this.isSnoozed(now) ? this.until : undefined;
  }

  /** Whole minutes left, rounded up; 0 when not snoozed. */
  minutesLeft(now: number): number {
    return Math.max(0, Math.ceil((this.until - now) / 60_000));
  }
}

/** The status-bar text while snoozed: the local time it ends, as the clock shows it. */
export function snoozeLabel(until: Date): string {
  const clock = `${String(until.getHours()).padStart(2, '0')}:${String(until.getMinutes()).padStart(2, '0')}`;
  return `$(bell-slash) Rook: snoozed until ${clock}`;
}

const snoozeMinutes = [5, 15, 30, 60];

/** The snooze command's choices: how long to snooze, and resuming first while snoozed (0 minutes). */
export function snoozeMenu(minutesLeft: number): { label: string; minutes: number }[] {
  return [
    ...(minutesLeft > 0 ? [{ label: `Resume now (${minutesLeft} min left)`, minutes: 0 }] : []),
    ...snoozeMinutes.map((minutes) => ({ label: `Snooze for ${minutes} minutes`, minutes })),
  ];
}
