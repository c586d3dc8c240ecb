/** The response objects of OpenAI's completions and chat completions APIs, whole and as stream chunks. */
import { randomUUID } from 'node:crypto';
import type { FinishReason } from '../protocol/contract';

export interface ResponseShape {
  /** A stream chunk; `first` marks the first one (chat announces the assistant role there). */
  chunk(text: string, finishReason: FinishReason | null, first: boolean): unknown;
  whole(text: string, finishReason: FinishReason): unknown;
}

/** A cancelled generation has nobody left to read it; anything that is sent says `stop`. */
const openaiFinish = (reason: FinishReason | null) => (reason === 'cancelled' ? 'stop' : reason);

const envelope = (id: string, object: string, model: string) => ({ id, object, created: Math.floor(Date.now() / 1000), model });

export function completionShape(model: string): ResponseShape {
  const id = `cmpl-${randomUUID()}`;
  // Legacy completions use the same object for a chunk and for the whole answer.
  const completion = (text: string, finishReason: FinishReason | null) => ({
    ...envelope(id, 'text_completion', model),
    choices: [{ index: 0, text, logprobs: null, finish_reason: openaiFinish(finishReason) }],
  });
  return { chunk: completion, whole: completion };
}

export function chatShape(model: string): ResponseShape {
  const id = `chatcmpl-${randomUUID()}`;
  return {
    chunk: (text, finishReason, first) => ({
      ...envelope(id, 'chat.completion.chunk', model),
      choices: [
        {
          index: 0,
          delta: finishReason ? {} : first ? { role: 'assistant', content: text } : { content: text },
          logprobs: null,
          finish_reason: openaiFinish(finishReason),
        },
      ],
    }),
    whole: (text, finishReason) => ({
      ...envelope(id, 'chat.completion', model),
      choices: [{ index: 0, message: { role: 'assistant', content: text }, logprobs: null, finish_reason: openaiFinish(finishReason) }],
    }),
  };
}
