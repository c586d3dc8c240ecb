/**
 * Whose turn it is to run the model. One request runs at a time (the model's session is one); a waiting request of a
 * higher priority goes first, and equal priorities go in order of arrival. A running request of a lower priority
 * hands its turn over between two decode steps (`yieldIfWanted`) and goes first among its equals when it gets the
 * turn back, so inline completions never wait for a long chat answer, and the chat resumes where it was.
 */

/** Higher runs first: a completion is typed against, a chat answer is read as it streams. */
export type TurnPriority = 0 | 1;
export const completionPriority: TurnPriority = 1;
export const chatPriority: TurnPriority = 0;

interface Waiter {
  priority: TurnPriority;
  /** Resumed requests go before new ones of their priority. */
  resumed: boolean;
  arrival: number;
  start: () => void;
}

export class EngineTurns {
  private running = false;
  private readonly waiting: Waiter[] = [];
  private arrivals = 0;

  /** Waits for the turn; the returned function ends it. */
  async acquire(priority: TurnPriority): Promise<() => void> {
    await this.wait(priority, false);
    return () => this.release();
  }

  /** Hands the turn to a waiting request of higher priority, if any, and waits to get it back. */
  async yieldIfWanted(priority: TurnPriority): Promise<void> {
    if (!this.waiting.some((waiter) => waiter.priority > priority)) return;
    this.release();
    await this.wait(priority, true);
  }

  private wait(priority: TurnPriority, resumed: boolean): Promise<void> {
    if (!this.running) {
      this.running = true;
      return Promise.resolve();
    }
    return new Promise((start) => {
      this.waiting.push({ priority, resumed, arrival: this.arrivals++, start });
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
      if (!best || waiter.priority > best.priority || (waiter.priority === best.priority && (Number(waiter.resumed) > Number(best.resumed) || (waiter.resumed === best.resumed && waiter.arrival < best.arrival)))) best = waiter;
    }
    return best;
  }
}
