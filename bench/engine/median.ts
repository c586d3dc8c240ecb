/** The middle value (the upper one of an even count): benchmarks quote medians of repetitions. */
export function median(values: readonly number[]): number {
  const sorted = [...values].sort((a, b) => a - b);
  return sorted[Math.floor(sorted.length / 2)];
}
