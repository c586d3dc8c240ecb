/**
 * A saved chat conversation and what is done with it as plain data: its title, and its Markdown export.
 * No `vscode` import: the history store persists these, the webview lists them.
 */
import type { ChatMessage } from '../../server/protocol/contract';
import type { AnswerSources } from './savedSources';

export interface Conversation {
  id: string;
  title: string;
  /** Milliseconds since the epoch; the history lists the most recently updated first. */
  updatedAt: number;
  /** The exchanges the model sees, user and assistant in turn. */
  messages: ChatMessage[];
  /**
   * The workspace files answers were given as context (`@codebase`), listed under them as links; by the index of
   * the answer in `messages`. Absent in conversations saved before Rook kept them.
   */
  sources?: AnswerSources[];
}

/** What the webview shows of a conversation in the history list. */
export interface ConversationSummary {
  id: string;
  title: string;
  updatedAt: number;
}

const titleLength = 60;

/** A new conversation's title: the start of its first question, on one line. */
export function titleFromQuestion(question: string): string {
  const line = question.replace(/\s+/g, ' ').trim();
  return line.length > titleLength ? `${line.slice(0, titleLength - 1)}…` : line || 'New conversation';
}

export function summarize({ id, title, updatedAt }: Conversation): ConversationSummary {
  return { id, title, updatedAt };
}

/**
 * The conversation as a Markdown document: a heading per turn, the answers as the model wrote them
 * (they are Markdown already), the questions in a block quote so their own formatting stays theirs.
 */
export function conversationToMarkdown(conversation: Conversation): string {
  const turns = conversation.messages.map((message) =>
    message.role === 'user'
      ? `## You\n\n${message.content.split('\n').map((line) => `> ${line}`.trimEnd()).join('\n')}`
      : `## Rook\n\n${message.content.trim()}`,
  );
  return `# ${conversation.title}\n\n${turns.join('\n\n')}\n`;
}
