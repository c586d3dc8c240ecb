/**
 * Serves requests from several engines of the same model (replicas).
 *
 * Routing: a request goes to the healthy replica with the lowest measured latency (an exponentially
 * weighted moving average of time to first output; unmeasured replicas count as fastest, so each gets
 * measured), except that requests with the same affinity key keep going to the replica that served
 * the key last while it is healthy, so that replica's prefix cache keeps hitting. The key is the head
 * of the prompt: a completion prompt's start stays put while the user types (see cursorContext), and
 * a conversation keeps its first messages, so the key names the document or the chat.
 *
 * Failures: a retryable failure (unreachable, 5xx, stalled) before any text was produced moves on to
 * the next replica; once text has streamed, the failure is the caller's, since restarting elsewhere
 * would duplicate output. Either way the replica is marked down for a cooldown that doubles with
 * each consecutive failure (1 s to 30 s); replicas with a health check are probed when it ends, and
 * down replicas are still tried, last, when every healthy one fails.
 */
import type { EngineInfo } from '../protocol/contract';
import { EngineError, type ChatRequest, type CompletionRequest, type Engine, type EngineCapabilities, type StreamEvent } from './engine';

/** Engines that can say whether their server is up without generating (OpenAIEngine can). */
interface HealthChecked {
  health(signal: AbortSignal): Promise<void>;
}

interface Replica {
  engine: Engine & Partial<HealthChecked>;
  /** EWMA of time to first output, in ms; undefined until measured. */
  latencyMs?: number;
  consecutiveFailures: number;
  downUntilMs: number;
  recheck?: NodeJS.Timeout;
}

/** Weight of the newest latency sample. */
const latencyAlpha = 0.3;
const cooldownBaseMs = 1000;
const cooldownMaxMs = 30_000;
/** How much of the prompt's head identifies a document or conversation for affinity. */
const affinityPrefixChars = 256;
const affinityEntries = 1024;

export class FailoverEngine implements Engine {
  private readonly replicas: Replica[];
  private lastUsed = 0;
  /** Affinity key to replica index, oldest first (re-inserted on use, so the first is least recent). */
  private readonly affinity = new Map<string, number>();

  constructor(engines: Engine[]) {
    if (engines.length === 0) throw new Error('FailoverEngine needs at least one engine');
    this.replicas = engines.map((engine) => ({ engine, consecutiveFailures: 0, downUntilMs: 0 }));
  }

  get info(): EngineInfo {
    return this.replicas[this.lastUsed].engine.info;
  }

  /** Replica indexes in the order to try: the affinity replica, other healthy ones by latency, then down ones. */
  private order(affinityKey?: string): number[] {
    const now = Date.now();
    const indexes = this.replicas.map((_, index) => index);
    const healthy = indexes
      .filter((index) => this.replicas[index].downUntilMs <= now)
      .sort((a, b) => (this.replicas[a].latencyMs ?? 0) - (this.replicas[b].latencyMs ?? 0) || a - b);
    const down = indexes.filter((index) => this.replicas[index].downUntilMs > now).sort((a, b) => this.replicas[a].downUntilMs - this.replicas[b].downUntilMs);
    const sticky = affinityKey === undefined ? undefined : this.affinity.get(affinityKey);
    const first = sticky !== undefined && healthy.includes(sticky) ? [sticky] : [];
    return [...first, ...healthy.filter((index) => index !== sticky), ...down];
  }

  async capabilities(signal?: AbortSignal): Promise<EngineCapabilities> {
    let lastError: unknown;
    for (const index of this.order()) {
      try {
        const capabilities = await this.replicas[index].engine.capabilities(signal);
        this.lastUsed = index;
        return capabilities;
      } catch (error) {
        lastError = error;
        if (isRetryable(error)) this.markDown(index);
      }
    }
    throw summarize(lastError, this.replicas.length);
  }

  complete(request: CompletionRequest, signal: AbortSignal): AsyncIterable<StreamEvent> {
    return this.run(affinityKeyOf(request.prompt), (engine) => engine.complete(request, signal), signal);
  }

  chat(request: ChatRequest, signal: AbortSignal): AsyncIterable<StreamEvent> {
    const transcript = request.messages.map((message) => `${message.role}: ${message.content}`).join('\n');
    return this.run(affinityKeyOf(transcript), (engine) => engine.chat(request, signal), signal);
  }

  private async *run(affinityKey: string | undefined, start: (engine: Engine) => AsyncIterable<StreamEvent>, signal: AbortSignal): AsyncIterable<StreamEvent> {
    let lastError: unknown;
    for (const index of this.order(affinityKey)) {
      const replica = this.replicas[index];
      const startedMs = performance.now();
      let produced = false;
      try {
        for await (const event of start(replica.engine)) {
          if (!produced) this.recordLatency(replica, performance.now() - startedMs);
          produced = true;
          yield event;
        }
        replica.consecutiveFailures = 0;
        this.lastUsed = index;
        if (affinityKey !== undefined) this.remember(affinityKey, index);
        return;
      } catch (error) {
        lastError = error;
        if (signal.aborted) throw error;
        if (isRetryable(error)) this.markDown(index);
        if (produced || !isRetryable(error)) throw error;
      }
    }
    throw summarize(lastError, this.replicas.length);
  }

  private recordLatency(replica: Replica, sampleMs: number): void {
    replica.latencyMs = replica.latencyMs === undefined ? sampleMs : latencyAlpha * sampleMs + (1 - latencyAlpha) * replica.latencyMs;
  }

  private remember(affinityKey: string, index: number): void {
    this.affinity.delete(affinityKey);
    this.affinity.set(affinityKey, index);
    if (this.affinity.size > affinityEntries) this.affinity.delete(this.affinity.keys().next().value!);
  }

  private markDown(index: number): void {
    const replica = this.replicas[index];
    replica.consecutiveFailures++;
    const cooldownMs = Math.min(cooldownMaxMs, cooldownBaseMs * 2 ** (replica.consecutiveFailures - 1));
    replica.downUntilMs = Date.now() + cooldownMs;
    clearTimeout(replica.recheck);
    if (!replica.engine.health) return;
    // When the cooldown ends, a failed health check extends it instead of costing a user request.
    replica.recheck = setTimeout(() => {
      replica.recheck = undefined;
      replica.engine.health!(AbortSignal.timeout(cooldownMaxMs)).then(
        () => (replica.consecutiveFailures = 0),
        () => this.markDown(index),
      );
    }, cooldownMs);
    replica.recheck.unref();
  }

  async dispose(): Promise<void> {
    for (const replica of this.replicas) clearTimeout(replica.recheck);
    await Promise.all(this.replicas.map((replica) => replica.engine.dispose()));
  }
}

/**
 * The first `affinityPrefixChars` characters; while the text is shorter, its first line (which stops
 * changing once typed); undefined while that line is still being typed.
 */
function affinityKeyOf(text: string): string | undefined {
  if (text.length >= affinityPrefixChars) return text.slice(0, affinityPrefixChars);
  const end = text.indexOf('\n');
  return end > 0 ? text.slice(0, end) : undefined;
}

function isRetryable(error: unknown): boolean {
  return error instanceof EngineError && error.retryable;
}

function summarize(error: unknown, count: number): unknown {
  if (count > 1 && error instanceof EngineError) {
    return new EngineError(`All ${count} endpoints failed; the last said: ${error.message}`, error.retryable, error.status);
  }
  return error;
}
