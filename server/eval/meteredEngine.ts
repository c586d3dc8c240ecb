/**
 * An engine seen through a meter: each completion's generated tokens and when its first and last text arrived, for
 * a comparison's tokens per second. Tokens are counted from the log-probabilities (one a token) or token texts the
 * engine streams; an engine that reports neither gets an estimate from its characters per token, marked as such.
 * Everything else goes straight to the engine, `encode` and `scoreContinuations` included, so prompts are laid out
 * and lines chosen as without the meter.
 */
import { charsPerToken } from '../completion/charsPerToken';
import type { ChatRequest, CompletionRequest, Engine, EngineCapabilities, StreamEvent } from '../engines/engine';

export interface Metered {
  tokens: number;
  /** Tokens of the first text piece (the rest arrived over `lastTextAt - firstTextAt`). */
  firstPieceTokens: number;
  /** True when the engine reported no tokens for some text and they were estimated. */
  estimated: boolean;
  /** performance.now() of the first and last text piece; undefined when no text came. */
  firstTextAt?: number;
  lastTextAt?: number;
}

export class MeteredEngine implements Engine {
  /** The last completion's meter, updated while it streams. */
  last: Metered = { tokens: 0, firstPieceTokens: 0, estimated: false };
  /** Present when the engine can encode, as `charsPerToken` looks for it. */
  readonly encode?: (text: string) => number[];
  readonly scoreContinuations?: Engine['scoreContinuations'];

  constructor(readonly inner: Engine) {
    const encode = (inner as { encode?: unknown }).encode;
    if (typeof encode === 'function') this.encode = (text) => encode.call(inner, text) as number[];
    if (inner.scoreContinuations) this.scoreContinuations = inner.scoreContinuations.bind(inner);
  }

  get info() {
    return this.inner.info;
  }

  capabilities(signal?: AbortSignal): Promise<EngineCapabilities> {
    return this.inner.capabilities(signal);
  }

  async *complete(request: CompletionRequest, signal: AbortSignal): AsyncIterable<StreamEvent> {
    const meter: Metered = { tokens: 0, firstPieceTokens: 0, estimated: false };
    this.last = meter;
    for await (const event of this.inner.complete(request, signal)) {
      if (event.kind === 'text' && event.text !== '') {
        const now = performance.now();
        const reported = event.logprobs?.length || event.tokens?.length;
        const tokens = reported || Math.max(1, Math.round(event.text.length / charsPerToken(this.inner)));
        if (!reported) meter.estimated = true;
        if (meter.firstTextAt === undefined) {
          meter.firstTextAt = now;
          meter.firstPieceTokens = tokens;
        }
        meter.lastTextAt = now;
        meter.tokens += tokens;
      }
      yield event;
    }
  }

  chat(request: ChatRequest, signal: AbortSignal): AsyncIterable<StreamEvent> {
    return this.inner.chat(request, signal);
  }

  /** The engine belongs to whoever made it: the meter disposes nothing. */
  async dispose(): Promise<void> {}
}
