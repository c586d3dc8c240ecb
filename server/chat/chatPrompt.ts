/** The system message that frames every chat with Rook. */
import type { ChatMessage } from '../protocol/contract';

export const chatSystemPrompt =
  'You are Rook, a coding assistant inside the user\'s editor. Answer concisely in Markdown. ' +
  'Put code in fenced code blocks with a language tag.';

/** Adds Rook's system message unless the conversation brings its own. */
export function withSystemPrompt(messages: ChatMessage[]): ChatMessage[] {
  return messages[0]?.role === 'system' ? messages : [{ role: 'system', content: chatSystemPrompt }, ...messages];
}
