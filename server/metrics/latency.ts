/** Keeps the last few request latencies and summarizes them as percentiles for the status bar. */
import type { LatencySummary } from '../protocol/contract';

/** Nearest-rank percentile of an unsorted list; 0 for an empty list. */
export function percentile(values: readonly number[], p: number): number {
  if (values.length === 0) return 0;
  const sorted = [...values].sort((a, b) => a - b);
  const rank = Math.ceil((p / 100) * sorted.length);
  return sorted[Math.min(sorted.length, Math.max(1, rank)) - 1];
}

export class LatencyWindow {
  private readonly samples: number[] = [];

  constructor(private readonly size = 50) {}

  add(ms: number): void {
    this.samples.push(ms);
    if (this.samples.length > this.size) this.samples.shift();
  }

  summary(): LatencySummary {
    return {
      count: this.samples.length,
      p50Ms: Math.round(percentile(this.samples, 50)),
      p90Ms: Math.round(percentile(this.samples, 90)),
    };
  }
}
