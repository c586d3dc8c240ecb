/**
 * Restart policy for a crashed sidecar: exponential backoff, and a give-up point so a sidecar that
 * dies on start does not spin forever (the user can restart it by command).
 */
export interface BackoffPolicy {
  initialMs: number;
  maxMs: number;
  /** Crashes allowed within `windowMs` before giving up. */
  maxCrashes: number;
  windowMs: number;
}

export const defaultBackoff: BackoffPolicy = { initialMs: 500, maxMs: 30_000, maxCrashes: 5, windowMs: 180_000 };

/** Delay before the next restart, or `undefined` to stop restarting; `crashTimes` are the crashes so far (ms). */
export function nextRestartDelay(crashTimes: readonly number[], now: number, policy: BackoffPolicy = defaultBackoff): number | undefined {
  const recent = crashTimes.filter((t) => now - t <= policy.windowMs).length;
  if (recent > policy.maxCrashes) return undefined;
  return Math.min(policy.maxMs, policy.initialMs * 2 ** Math.max(0, recent - 1));
}
