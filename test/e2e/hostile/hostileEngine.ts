/**
 * A second scripted engine that answers each chat question naming a corpus entry with that entry. Its chunks
 * are large so that the 1 MB answer streams in seconds; the check points Rook at it for its duration.
 */
import { startOpenAIServer, type OpenAIServer } from '../../support/openaiServer';
import type { HostileAnswer } from './corpus';

/** The model name it advertises: seeing it in the chat header shows Rook has switched to this engine. */
export const HOSTILE_MODEL = 'hostile-corpus';

/** The question that asks for `answer`. */
export function hostileQuestion(answer: HostileAnswer): string {
  return `Show hostile answer ${answer.name}`;
}

export function startHostileEngine(corpus: HostileAnswer[]): Promise<OpenAIServer> {
  return startOpenAIServer({
    model: HOSTILE_MODEL,
    contextLength: 4_000_000,
    chunkSize: 16_384,
    chunkDelayMs: 5,
    reply: ({ body }) => {
      const question = String(body?.messages?.at(-1)?.content ?? '');
      const answer = corpus.find((entry) => question.includes(hostileQuestion(entry)));
      return answer?.markdown ?? 'No hostile answer was asked for.';
    },
  });
}
