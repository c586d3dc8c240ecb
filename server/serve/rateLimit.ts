/**
 * Per-client request rate limit: a token bucket per client that holds a minute's allowance and refills
 * continuously, so short bursts pass and a sustained flood is told when to come back.
 */
export class RateLimiter {
  private readonly buckets = new Map<string, { tokens: number; updatedMs: number }>();

  constructor(
    private readonly perMinute: number,
    private readonly now: () => number = Date.now,
  ) {}

  /** Takes one request from `client`'s allowance: 0 when allowed, else the seconds until it would be. */
  take(client: string): number {
    const now = this.now();
    const refillPerMs = this.perMinute / 60_000;
    const bucket = this.buckets.get(client) ?? { tokens: this.perMinute, updatedMs: now };
    bucket.tokens = Math.min(this.perMinute, bucket.tokens + (now - bucket.updatedMs) * refillPerMs);
    bucket.updatedMs = now;
    this.buckets.set(client, bucket);
    this.forgetFullBuckets(now);
    if (bucket.tokens >= 1) {
      bucket.tokens -= 1;
      return 0;
    }
    return Math.max(1, Math.ceil((1 - bucket.tokens) / refillPerMs / 1000));
  }

  /** A bucket that has refilled completely says nothing a new one would not, so memory stays bounded by active clients. */
  private forgetFullBuckets(now: number): void {
    if (this.buckets.size < 1024) return;
    const refillMs = 60_000;
    for (const [client, bucket] of this.buckets) if (now - bucket.updatedMs > refillMs) this.buckets.delete(client);
  }
}
