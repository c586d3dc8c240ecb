/**
 * Continuous batching of decode steps: sequences decoding at the same time each ask for their next token's logits,
 * and the steps asked for before the model is free run as one batch (one row each), so N streams cost about one
 * run per token instead of N. A sequence that joins or leaves changes only which rows the next batch holds.
 * A batch holds the steps of one priority, the most urgent waiting, and takes its turn with that priority: while a
 * completion decodes, the chat answers beside it wait rather than slow its steps.
 */
import type { EngineTurns, TurnPriority } from './engineTurns';

export interface BatchedStep<S> {
  sequence: S;
  token: number;
  priority: TurnPriority;
}

interface Pending<S> extends BatchedStep<S> {
  resolve: (logits: Float32Array) => void;
  reject: (error: unknown) => void;
}

export class StepBatcher<S> {
  private pending: Pending<S>[] = [];
  private scheduled = false;

  constructor(
    private readonly turns: EngineTurns,
    private readonly run: (steps: readonly BatchedStep<S>[]) => Promise<Float32Array[]>,
  ) {}

  /** The logits after `token` is appended to `sequence`, from the next batch. */
  step(sequence: S, token: number, priority: TurnPriority): Promise<Float32Array> {
    return new Promise((resolve, reject) => {
      this.pending.push({ sequence, token, priority, resolve, reject });
      if (!this.scheduled) {
        this.scheduled = true;
        // After the current callbacks, so that the other sequences resumed by the last batch ask first.
        setImmediate(() => void this.flush());
      }
    });
  }

  private async flush(): Promise<void> {
    const release = await this.turns.acquire(this.urgency());
    // Steps that arrived while waiting for the turn join this batch, if they are as urgent as the most urgent one:
    // a completion's steps run without the chat's, which wait one batch (a row costs the whole batch its time).
    const priority = this.urgency();
    const batch = this.pending.filter((step) => step.priority === priority);
    this.pending = this.pending.filter((step) => step.priority !== priority);
    this.scheduled = this.pending.length > 0;
    if (this.scheduled) setImmediate(() => void this.flush());
    try {
      const logits = await this.run(batch);
      batch.forEach((step, i) => step.resolve(logits[i]));
    } catch (error) {
      for (const step of batch) step.reject(error);
    } finally {
      release();
    }
  }

  private urgency(): TurnPriority {
    return this.pending.reduce<TurnPriority>((most, step) => (step.priority > most ? step.priority : most), 0);
  }
}
