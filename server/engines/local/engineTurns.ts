/**
 * Whose turn it is to run the model: one run at a time (a prompt's prefill, a batch of decode steps, a check of
 * drafted tokens), since the runs share the KV buffers. A waiting run of a higher priority goes first, equal
 * priorities in order of arrival; so an inline completion's runs never wait behind more than the run in progress,
 * however long the chat answers streaming beside it, and a long prompt passes the turn between its chunks.
 */

/** Higher runs first: a completion is typed against, a chat answer is read as it streams. */
export type TurnPriority = 0 | 1;
export const completionPriority: TurnPriority = 1;
export const chatPriority: TurnPriority = 0;

interface Waiter {
  priority: TurnPriority;
  arrival: number;
  start: () => void;
}

export class EngineTurns {
  private running = false;
  private readonly waiting: Waiter[] = [];
  private arrivals = 0;

  /** Waits for the turn; the returned function ends it. */
  async acquire(priority: TurnPriority): Promise<() => void> {
    await this.wait(priority);
    return () => this.release();
  }

  private wait(priority: TurnPriority): Promise<void> {
    if (!this.running) {
      this.running = true;
      return Promise.resolve();
    }
    return new Promise((start) => {
      this.waiting.push({ priority, arrival: this.arrivals++, start });
    });
  }

  private release(): void {
    const next = this.next();
    if (!next) {
      this.running = false;
      return;
    }
    this.waiting.splice(this.waiting.indexOf(next), 1);
    next.start();
  }

  private next(): Waiter | undefined {
    let best: Waiter | undefined;
    for (const waiter of this.waiting) {
      if (!best || waiter.priority > best.priority || (waiter.priority === best.priority && waiter.arrival < best.arrival)) best = waiter;
    }
    return best;
  }
}
