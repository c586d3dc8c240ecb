/**
 * Serves requests from several engines of the same model (replicas), trying them in order.
 * A retryable failure (unreachable, 5xx, stalled) before any text was produced moves on to the next
 * engine; once text has streamed, the failure is the caller's, since restarting elsewhere would
 * duplicate output. The last engine that worked is tried first next time.
 */
import type { EngineInfo } from '../protocol/contract';
import { EngineError, type ChatRequest, type CompletionRequest, type Engine, type EngineCapabilities, type StreamEvent } from './engine';

export class FailoverEngine implements Engine {
  private preferred = 0;

  constructor(private readonly engines: Engine[]) {
    if (engines.length === 0) throw new Error('FailoverEngine needs at least one engine');
  }

  get info(): EngineInfo {
    return this.engines[this.preferred].info;
  }

  /** Engines in the order to try: the last good one first, then the rest in configured order. */
  private order(): number[] {
    const rest = this.engines.map((_, i) => i).filter((i) => i !== this.preferred);
    return [this.preferred, ...rest];
  }

  async capabilities(signal?: AbortSignal): Promise<EngineCapabilities> {
    let lastError: unknown;
    for (const index of this.order()) {
      try {
        const capabilities = await this.engines[index].capabilities(signal);
        this.preferred = index;
        return capabilities;
      } catch (error) {
        lastError = error;
      }
    }
    throw summarize(lastError, this.engines.length);
  }

  complete(request: CompletionRequest, signal: AbortSignal): AsyncIterable<StreamEvent> {
    return this.run((engine) => engine.complete(request, signal), signal);
  }

  chat(request: ChatRequest, signal: AbortSignal): AsyncIterable<StreamEvent> {
    return this.run((engine) => engine.chat(request, signal), signal);
  }

  private async *run(start: (engine: Engine) => AsyncIterable<StreamEvent>, signal: AbortSignal): AsyncIterable<StreamEvent> {
    let lastError: unknown;
    for (const index of this.order()) {
      let produced = false;
      try {
        for await (const event of start(this.engines[index])) {
          produced = true;
          yield event;
        }
        this.preferred = index;
        return;
      } catch (error) {
        lastError = error;
        const retryable = error instanceof EngineError && error.retryable;
        if (produced || !retryable || signal.aborted) throw error;
      }
    }
    throw summarize(lastError, this.engines.length);
  }

  async dispose(): Promise<void> {
    await Promise.all(this.engines.map((engine) => engine.dispose()));
  }
}

function summarize(error: unknown, count: number): unknown {
  if (count > 1 && error instanceof EngineError) {
    return new EngineError(`All ${count} endpoints failed; the last said: ${error.message}`, error.retryable, error.status);
  }
  return error;
}
