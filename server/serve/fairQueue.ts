/**
 * Admission to the engine, which runs `slots` generations at once (one, or its batch). Waiting requests are kept per client
 * and served round-robin, so one client with many requests cannot starve another with one. A client
 * is who the server can tell apart (its address); the end-user id a request names (OpenAI's `user`,
 * which the client chooses freely) only orders that client's own requests, round-robin within its
 * turn, and never earns it more turns or places. The queue is bounded twice: a client may hold at
 * most `perClient` places (running or waiting; beyond that it is told to slow down, 429), and all
 * clients together at most `capacity` (beyond that the server is busy, 503). Both carry a
 * Retry-After estimated from how long generations have taken.
 */
import { ApiError } from './apiError';

export interface FairQueueLimits {
  /** Requests running or waiting, all clients together. */
  capacity: number;
  /** Requests running or waiting for one client. */
  perClient: number;
  /** Generations that may run at once. */
  slots: number;
}

interface Waiter {
  client: string;
  user: string;
  admit: () => void;
}

export class FairQueue {
  /** Waiting requests per client, then per end user; each map's order is its round-robin order. */
  private readonly waiting = new Map<string, Map<string, Waiter[]>>();
  private readonly held = new Map<string, number>();
  private running = 0;
  private total = 0;
  /** Smoothed time a request holds a slot, for Retry-After. */
  private averageHoldMs = 1000;

  constructor(private readonly limits: FairQueueLimits) {}

  get stats(): { running: number; waiting: number } {
    return { running: this.running, waiting: this.total - this.running };
  }

  /**
   * Resolves when `client` may run, with the function that frees its slot; rejects with a 429 or
   * 503 `ApiError` when the queue refuses it, or with `signal.reason` when the caller gives up first.
   * `user` only takes turns among `client`'s own requests; the share and the turns are `client`'s.
   */
  acquire(client: string, signal: AbortSignal, user = ''): Promise<() => void> {
    const mine = this.held.get(client) ?? 0;
    if (mine >= this.limits.perClient) {
      return Promise.reject(
        new ApiError(429, `Too many requests from this client at once (limit ${this.limits.perClient}); wait for earlier ones to finish.`, 'rate_limit_error', 'queue_share_exceeded', null, this.retryAfterSeconds()),
      );
    }
    if (this.total >= this.limits.capacity) {
      return Promise.reject(new ApiError(503, 'The server is busy: its request queue is full. Retry later.', 'server_error', 'queue_full', null, this.retryAfterSeconds()));
    }
    this.held.set(client, mine + 1);
    this.total++;
    return new Promise((resolve, reject) => {
      const admit = () => {
        signal.removeEventListener('abort', giveUp);
        this.running++;
        resolve(this.releaser(client));
      };
      const waiter: Waiter = { client, user, admit };
      const giveUp = () => {
        this.removeWaiter(waiter);
        this.forget(client);
        reject(signal.reason);
      };
      if (signal.aborted) return giveUp();
      signal.addEventListener('abort', giveUp, { once: true });
      const users = this.waiting.get(client) ?? new Map<string, Waiter[]>();
      const list = users.get(user) ?? [];
      list.push(waiter);
      users.set(user, list);
      this.waiting.set(client, users);
      this.dispatch();
    });
  }

  private releaser(client: string): () => void {
    const startedMs = Date.now();
    let released = false;
    return () => {
      if (released) return;
      released = true;
      this.averageHoldMs = 0.8 * this.averageHoldMs + 0.2 * (Date.now() - startedMs);
      this.running--;
      this.forget(client);
      this.dispatch();
    };
  }

  /**
   * Admits waiters while slots are free: the first client in turn, and within it its first end user
   * in turn, each moved to the back of its order.
   */
  private dispatch(): void {
    while (this.running < this.limits.slots && this.waiting.size > 0) {
      const [client, users] = this.waiting.entries().next().value as [string, Map<string, Waiter[]>];
      this.waiting.delete(client);
      const [user, list] = users.entries().next().value as [string, Waiter[]];
      users.delete(user);
      const waiter = list.shift()!;
      if (list.length > 0) users.set(user, list);
      if (users.size > 0) this.waiting.set(client, users);
      waiter.admit();
    }
  }

  private removeWaiter(waiter: Waiter): void {
    const users = this.waiting.get(waiter.client);
    const list = users?.get(waiter.user);
    if (!users || !list) return;
    const index = list.indexOf(waiter);
    if (index >= 0) list.splice(index, 1);
    if (list.length === 0) users.delete(waiter.user);
    if (users.size === 0) this.waiting.delete(waiter.client);
  }

  private forget(client: string): void {
    this.total--;
    const mine = (this.held.get(client) ?? 1) - 1;
    if (mine > 0) this.held.set(client, mine);
    else this.held.delete(client);
  }

  private retryAfterSeconds(): number {
    const ahead = this.total / this.limits.slots;
    return Math.max(1, Math.ceil((ahead * this.averageHoldMs) / 1000));
  }
}
