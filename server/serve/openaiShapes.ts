/** The response objects of OpenAI's completions and chat completions APIs, whole and as stream chunks. */
import { randomUUID } from 'node:crypto';
import type { EndEvent, TextEvent, TokenChoice, TokenUsage } from '../engines/engine';
import type { FinishReason } from '../protocol/contract';

export interface ResponseShape {
  /** A stream chunk of generated text; `first` marks the first one (chat announces the assistant role there). */
  chunk(piece: TextEvent, first: boolean): unknown;
  /** The chunk that says why the stream ended. */
  finish(reason: FinishReason): unknown;
  /** The chunk after it, when the client asked for the usage. */
  usage(usage: TokenUsage): unknown;
  whole(pieces: TextEvent[], end: EndEvent): unknown;
}

export interface ShapeOptions {
  /** As in the request's params: alternatives per token, or absent for no log-probabilities. */
  logprobs?: number;
  /** `stream_options.include_usage`: then every chunk but the last has `usage: null`. */
  includeUsage: boolean;
}

/** A cancelled generation has nobody left to read it; anything that is sent says `stop`. */
const openaiFinish = (reason: FinishReason | null) => (reason === 'cancelled' ? 'stop' : reason);

const envelope = (id: string, object: string, model: string) => ({ id, object, created: Math.floor(Date.now() / 1000), model });

const openaiUsage = (usage: TokenUsage) => ({
  prompt_tokens: usage.promptTokens,
  completion_tokens: usage.completionTokens,
  total_tokens: usage.promptTokens + usage.completionTokens,
});

/** The pieces' tokens, each with its log-probability and alternatives; undefined when the engine did not give them. */
function scoredTokens(pieces: readonly TextEvent[]): { text: string; logprob: number; top: TokenChoice[] }[] | undefined {
  if (pieces.some((piece) => piece.tokens === undefined || piece.logprobs?.length !== piece.tokens.length)) return undefined;
  return pieces.flatMap((piece) => piece.tokens!.map((text, i) => ({ text, logprob: piece.logprobs![i], top: piece.topLogprobs?.[i] ?? [] })));
}

/**
 * The chosen token and the most likely ones ("up to logprobs+1" entries in OpenAI's words), keyed by text: of two
 * tokens with the same text, the first keeps its place.
 */
function legacyTop(token: TokenChoice & { top: TokenChoice[] }): Record<string, number> {
  const top = new Map<string, number>();
  for (const choice of [token, ...token.top]) if (!top.has(choice.text)) top.set(choice.text, choice.logprob);
  return Object.fromEntries(top);
}

export function completionShape(model: string, options: ShapeOptions): ResponseShape {
  const id = `cmpl-${randomUUID()}`;
  // Characters streamed so far, where the next chunk's text offsets start.
  let streamed = 0;
  /** The legacy `logprobs` object; `text_offset` counts code points from the start of the completion, as vLLM does. */
  const logprobs = (pieces: readonly TextEvent[], offset: number) => {
    const tokens = options.logprobs === undefined ? undefined : scoredTokens(pieces);
    if (!tokens) return null;
    const textOffset: number[] = [];
    for (const token of tokens) {
      textOffset.push(offset);
      offset += [...token.text].length;
    }
    return {
      tokens: tokens.map((token) => token.text),
      token_logprobs: tokens.map((token) => token.logprob),
      top_logprobs: tokens.map(legacyTop),
      text_offset: textOffset,
    };
  };
  // Legacy completions use the same object for a chunk and for the whole answer.
  const completion = (text: string, finishReason: FinishReason | null, scored: ReturnType<typeof logprobs>) => ({
    ...envelope(id, 'text_completion', model),
    choices: [{ index: 0, text, logprobs: scored, finish_reason: openaiFinish(finishReason) }],
  });
  const streamUsage = options.includeUsage ? { usage: null } : {};
  return {
    chunk: (piece) => {
      const chunk = { ...completion(piece.text, null, logprobs([piece], streamed)), ...streamUsage };
      streamed += [...piece.text].length;
      return chunk;
    },
    finish: (reason) => ({ ...completion('', reason, null), ...streamUsage }),
    usage: (usage) => ({ ...envelope(id, 'text_completion', model), choices: [], usage: openaiUsage(usage) }),
    whole: (pieces, end) => ({
      ...completion(pieces.map((piece) => piece.text).join(''), end.finishReason, logprobs(pieces, 0)),
      ...(end.usage ? { usage: openaiUsage(end.usage) } : {}),
    }),
  };
}

export function chatShape(model: string, options: ShapeOptions): ResponseShape {
  const id = `chatcmpl-${randomUUID()}`;
  const bytes = (text: string) => [...Buffer.from(text, 'utf8')];
  const logprobs = (pieces: readonly TextEvent[]) => {
    const tokens = options.logprobs === undefined ? undefined : scoredTokens(pieces);
    if (!tokens) return null;
    return {
      content: tokens.map((token) => ({
        token: token.text,
        logprob: token.logprob,
        bytes: bytes(token.text),
        top_logprobs: token.top.map((choice) => ({ token: choice.text, logprob: choice.logprob, bytes: bytes(choice.text) })),
      })),
      refusal: null,
    };
  };
  const chunk = (delta: object, scored: ReturnType<typeof logprobs>, finishReason: FinishReason | null) => ({
    ...envelope(id, 'chat.completion.chunk', model),
    choices: [{ index: 0, delta, logprobs: scored, finish_reason: openaiFinish(finishReason) }],
    ...(options.includeUsage ? { usage: null } : {}),
  });
  return {
    chunk: (piece, first) => chunk(first ? { role: 'assistant', content: piece.text } : { content: piece.text }, logprobs([piece]), null),
    finish: (reason) => chunk({}, null, reason),
    usage: (usage) => ({ ...envelope(id, 'chat.completion.chunk', model), choices: [], usage: openaiUsage(usage) }),
    whole: (pieces, end) => ({
      ...envelope(id, 'chat.completion', model),
      choices: [{ index: 0, message: { role: 'assistant', content: pieces.map((piece) => piece.text).join('') }, logprobs: logprobs(pieces), finish_reason: openaiFinish(end.finishReason) }],
      ...(end.usage ? { usage: openaiUsage(end.usage) } : {}),
    }),
  };
}
