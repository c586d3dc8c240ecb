/** Small waiting helpers shared by the harness. */

export const sleep = (ms: number) => new Promise<void>((resolve) => setTimeout(resolve, ms));

/** Milliseconds since `start` (a `performance.now()` value), rounded. */
export function elapsedMs(start: number): number {
  return Math.round(performance.now() - start);
}

/** Polls `condition` until it holds; throws `failure` after `timeoutMs`. */
export async function waitUntil(condition: () => boolean, timeoutMs: number, failure: string): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!condition()) {
    if (Date.now() > deadline) throw new Error(failure);
    await sleep(100);
  }
}
