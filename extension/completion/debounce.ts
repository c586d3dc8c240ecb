/**
 * How long to wait after a keystroke before asking for a suggestion. A request that the next
 * keystroke makes stale is wasted engine time, so: when answers come back well before the user's
 * next keystroke, ask at once (the minimum); otherwise wait a little longer than the user's usual
 * gap between keys, so a request goes out when they pause.
 */
export interface DebounceLimits {
  minMs: number;
  maxMs: number;
  /** What the editor already waited before asking, taken off the delay (so the two waits do not add up). */
  upstreamMs?: number;
}

const defaultLimits: DebounceLimits = { minMs: 50, maxMs: 300 };
/** VS Code 1.100 waits a fixed 50 ms after a change before it calls an inline-completion provider. */
export const vscodeLimits: DebounceLimits = { ...defaultLimits, upstreamMs: 50 };
/** Weight of the newest sample in the running averages. */
const smoothing = 0.3;
/** A gap longer than this is a pause, not typing speed. */
const maxTypingGapMs = 1500;

export class AdaptiveDebounce {
  private typingGapMs: number | undefined;
  private latencyMs: number | undefined;
  private lastKeystroke: number | undefined;

  constructor(private readonly limits: DebounceLimits = defaultLimits) {}

  noteKeystroke(now: number): void {
    if (this.lastKeystroke !== undefined) {
      const gap = now - this.lastKeystroke;
      if (gap <= maxTypingGapMs) this.typingGapMs = average(this.typingGapMs, gap);
    }
    this.lastKeystroke = now;
  }

  noteLatency(ms: number): void {
    this.latencyMs = average(this.latencyMs, ms);
  }

  delayMs(): number {
    return Math.max(0, this.sinceKeystrokeMs() - (this.limits.upstreamMs ?? 0));
  }

  /** Whether a keystroke is asked about at the minimum wait: answers come back well before the next key. */
  asksAtOnce(): boolean {
    if (this.typingGapMs === undefined) return true;
    return this.latencyMs !== undefined && this.limits.minMs + this.latencyMs < this.typingGapMs;
  }

  /** The wait counted from the keystroke. */
  private sinceKeystrokeMs(): number {
    const { minMs, maxMs } = this.limits;
    if (this.typingGapMs === undefined || this.asksAtOnce()) return minMs;
    return Math.round(Math.min(maxMs, Math.max(minMs, this.typingGapMs * 1.2)));
  }
}

function average(previous: number | undefined, sample: number): number {
  return previous === undefined ? sample : previous + smoothing * (sample - previous);
}
