/**
 * The interface every engine implements, local (ONNX Runtime) or remote (OpenAI-compatible HTTP).
 * A request goes in, a cancellable stream of text pieces comes out. Engines are interchangeable;
 * the router picks among configured ones.
 */
import type { ChatMessage, EngineInfo, FinishReason } from '../protocol/contract';

export interface EngineCapabilities {
  model: string;
  /** True when the engine accepts a suffix for fill-in-the-middle. */
  fim: boolean;
  /** Maximum context in tokens, when known. */
  contextLength?: number;
}

export interface CompletionRequest {
  prompt: string;
  /** Text after the cursor, for engines with fill-in-the-middle. */
  suffix?: string;
  maxTokens: number;
  temperature: number;
  stop?: string[];
  /** How many of the most likely tokens to report at each generated token (`TextEvent.topLogprobs`), where the engine can. */
  topLogprobs?: number;
  /**
   * The prompt ends at a cursor, maybe inside a word: an engine that tokenizes it may drop the last tokens and have
   * the generation re-spell them (token healing, see `engines/local/tokenHealing.ts`); others ignore it.
   */
  tokenHealing?: boolean;
  /**
   * Characters the answer's first non-blank character must not be. The completion path names the closer of the block
   * a blank cursor line is in when the code after the cursor closes that block already: an answer that only closed
   * it again would be cut to nothing. An engine that constrains its choices (the local one) skips such first tokens;
   * others ignore it, and post-processing cuts what they write.
   */
  notStartingWith?: string;
}

export interface ChatRequest {
  messages: ChatMessage[];
  maxTokens: number;
  temperature: number;
  stop?: string[];
  /** As in `CompletionRequest`. */
  topLogprobs?: number;
}

/** A token the model could have produced at a position, and its natural-log probability. */
export interface TokenChoice {
  text: string;
  logprob: number;
}

/** A piece of generated text. */
export interface TextEvent {
  kind: 'text';
  text: string;
  /** The natural-log probabilities of the tokens that produced `text`, where the engine reports them. */
  logprobs?: number[];
  /** Those tokens' own texts, where the engine knows them; they join to `text`. */
  tokens?: string[];
  /** At each of those tokens, the request's `topLogprobs` most likely tokens, most likely first. */
  topLogprobs?: TokenChoice[][];
}

/** A rest of the cursor's line for `Engine.scoreContinuations` to rate. */
export interface ContinuationToScore {
  text: string;
  /**
   * Natural-log weight the caller adds to the model's rating when it ranks the continuations (absent: 0). The engine
   * reads it only to decide what need not run.
   */
  logPrior?: number;
}

/** Where a continuation ranks among others: the model's log-probability of it plus its prior weight. */
export function rankOf(logprob: number, continuation: ContinuationToScore): number {
  return logprob + (continuation.logPrior ?? 0);
}

/** A continuation of a completion prompt as the model rates it (`Engine.scoreContinuations`). */
export interface ContinuationScore {
  /** Natural-log probability of the whole continuation followed by the end of its line. */
  logprob: number;
  /** Log-probabilities of the tokens that carry its text, as `TextEvent.logprobs` gives them for generated text. */
  tokenLogprobs: number[];
  /**
   * Set when it was not run because it cannot rank first: `logprob` is then its first token's log-probability, an
   * upper bound that, with its `logPrior`, is already below a continuation scored before it (with that one's), and
   * `tokenLogprobs` is empty.
   */
  pruned?: true;
}

/** The tokens a request cost, where the engine counts them: its prompt as the model read it, and what it generated. */
export interface TokenUsage {
  promptTokens: number;
  completionTokens: number;
}

/** Why the stream ended. */
export interface EndEvent {
  kind: 'end';
  finishReason: FinishReason;
  usage?: TokenUsage;
}

export type StreamEvent = TextEvent | EndEvent;

/**
 * What one prompt cost an engine that runs the model itself: prompt tokens evaluated vs. taken from its cache, and
 * where the time went (the prompt's forward pass, then the decode steps, each with its sampling and text decoding).
 */
export interface PromptStats {
  promptTokens: number;
  reusedTokens: number;
  prefillMs: number;
  generatedTokens: number;
  decodeMs: number;
  /** Tokens drafted by prompt lookup (greedy requests), and how many of them the model then chose. */
  draftedTokens: number;
  acceptedDraftTokens: number;
}

export interface EngineStats {
  /**
   * The prompt run last: a new object per prompt, updated while it generates, so a reader can tell whether
   * another prompt ran since it last looked.
   */
  lastPrompt: PromptStats;
  /** Decode steps run in batches since the engine started, and the batches they took (engines that batch). */
  batches?: { runs: number; steps: number };
}

export interface Engine {
  readonly info: EngineInfo;
  /** Detects what the engine can do; throws `EngineError` with an actionable message when unreachable. */
  capabilities(signal?: AbortSignal): Promise<EngineCapabilities>;
  /** Raw text completion (with `suffix` for FIM when supported). Aborting `signal` ends the stream. */
  complete(request: CompletionRequest, signal: AbortSignal): AsyncIterable<StreamEvent>;
  chat(request: ChatRequest, signal: AbortSignal): AsyncIterable<StreamEvent>;
  dispose(): Promise<void>;
  /**
   * How likely the model finds each of `continuations` as the rest of the cursor's line after `request`'s prompt
   * (the same prompt, healing included, that `complete` would run), from engines that run the model themselves.
   * Continuations not scored before `signal` aborts get -Infinity; ones that cannot rank first (by log-probability
   * plus `logPrior`) may be `pruned`.
   */
  scoreContinuations?(request: CompletionRequest, continuations: readonly ContinuationToScore[], signal: AbortSignal): Promise<ContinuationScore[]>;
  /** Counters for status and tests, from engines that run the model themselves (a remote engine cannot see them). */
  stats?(): EngineStats;
  /** Generations it runs at once (decoded in shared batches); absent for one at a time. */
  readonly concurrency?: number;
}

/** An engine failure the user can act on; `message` says what is wrong and what to do. */
export class EngineError extends Error {
  constructor(
    message: string,
    readonly retryable: boolean,
    readonly status?: number,
  ) {
    super(message);
    this.name = 'EngineError';
  }
}

/**
 * Runs a stream to its end, handing each text piece to `onText` (its text, and the whole event); returns the full
 * text, why it ended and the usage the engine counted.
 */
export async function drain(
  stream: AsyncIterable<StreamEvent>,
  onText: (text: string, piece: TextEvent) => void = () => undefined,
): Promise<{ text: string; finishReason: FinishReason; usage?: TokenUsage }> {
  let text = '';
  let end: EndEvent = { kind: 'end', finishReason: 'stop' };
  for await (const event of stream) {
    if (event.kind === 'text') {
      text += event.text;
      onText(event.text, event);
    } else end = event;
  }
  return { text, finishReason: end.finishReason, usage: end.usage };
}
