/**
 * Which earlier turns of a conversation go with the next question. The sidecar refuses a `rook/chat` over
 * `maxRequestChars` in all, so after one very long answer every later question would fail; the sidecar fits
 * what it gets into the model's context anyway, so turns too old to fit in the request could never be read.
 */
import type { ChatMessage } from '../../server/protocol/contract';

/**
 * The newest messages of `history` that fit in `budget` characters together with `next`, oldest dropped first,
 * starting with a user message (chat templates expect turns to start with one); then `next`. `next` alone over the
 * budget is sent as is, for the sidecar to refuse with its own message.
 */
export function recentTurns(history: readonly ChatMessage[], next: ChatMessage, budget: number): ChatMessage[] {
  let used = next.content.length;
  let start = history.length;
  while (start > 0 && used + history[start - 1].content.length <= budget) {
    start--;
    used += history[start].content.length;
  }
  while (start < history.length && history[start].role !== 'user') start++;
  return [...history.slice(start), next];
}
