/**
 * The sequences the local engine keeps KV caches for, and which request gets which. A request takes a free slot:
 * the one whose cached tokens start like its prompt, when they share enough to be worth keeping (the next keystroke
 * extends the previous prompt), else an empty one, else the one used least recently; so a chat question between two
 * keystrokes does not evict the completion's cache. A request waits while every slot is taken: completions first,
 * then in order of arrival. A slot's cache outlives its request, for the next one that starts alike.
 */
import type { TurnPriority } from './engineTurns';
import type { DecoderSession } from './decoderSession';

/** A sequence held in a KV cache: the decoder state and the tokens it was computed from. */
export interface KvSlot {
  decoder: DecoderSession;
  tokens: number[];
}


/**
 * Fewer shared tokens than this are a coincidence, not a prompt going on from the cache: a start token, a FIM
 * control token and a newline begin many unrelated prompts.
 */
export const minReusedTokens = 4;

interface SlotState {
  slot: KvSlot;
  busy: boolean;
  lastUsed: number;
}

interface Waiter {
  prompt: readonly number[];
  priority: TurnPriority;
  arrival: number;
  take: (slot: KvSlot) => void;
}

/** How many leading tokens `a` and `b` share. */
export function commonPrefix(a: readonly number[], b: readonly number[]): number {
  let common = 0;
  while (common < a.length && common < b.length && a[common] === b[common]) common++;
  return common;
}

export class KvSlots {
  private readonly states: SlotState[];
  private readonly waiting: Waiter[] = [];
  private clock = 0;

  constructor(slots: readonly KvSlot[]) {
    this.states = slots.map((slot) => ({ slot, busy: false, lastUsed: 0 }));
  }

  /** Requests running now. */
  get busyCount(): number {
    return this.states.filter((state) => state.busy).length;
  }

  /** Waits for a free slot for `prompt`; `release` gives it back. */
  acquire(prompt: readonly number[], priority: TurnPriority): Promise<KvSlot> {
    return new Promise((take) => {
      this.waiting.push({ prompt, priority, arrival: this.clock++, take });
      this.admit();
    });
  }

  release(slot: KvSlot): void {
    const state = this.states.find((candidate) => candidate.slot === slot)!;
    state.busy = false;
    state.lastUsed = this.clock++;
    this.admit();
  }

  private admit(): void {
    for (;;) {
      const free = this.states.filter((state) => !state.busy);
      if (free.length === 0 || this.waiting.length === 0) return;
      const waiter = this.waiting.reduce((best, candidate) => (candidate.priority > best.priority || (candidate.priority === best.priority && candidate.arrival < best.arrival) ? candidate : best));
      this.waiting.splice(this.waiting.indexOf(waiter), 1);
      const state = this.choose(free, waiter.prompt);
      state.busy = true;
      state.lastUsed = this.clock++;
      waiter.take(state.slot);
    }
  }

  private choose(free: SlotState[], prompt: readonly number[]): SlotState {
    const scored = free.map((state) => ({ state, common: commonPrefix(state.slot.tokens, prompt) }));
    const best = scored.reduce((a, b) => (b.common > a.common ? b : a));
    if (best.common >= Math.min(minReusedTokens, prompt.length)) return best.state;
    return free.find((state) => state.slot.tokens.length === 0) ?? free.reduce((a, b) => (b.lastUsed < a.lastUsed ? b : a));
  }
}
