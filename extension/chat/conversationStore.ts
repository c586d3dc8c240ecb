/**
 * The chat history, kept across restarts in the extension's global state (per user, not per workspace:
 * a conversation about code is not stored inside the repository). Remembers which one was open last.
 * What an answer linked to (`sources`) is checked as it is read back (`savedSources.ts`): storage can be corrupt.
 */
import type * as vscode from 'vscode';
import { summarize, type Conversation, type ConversationSummary } from './conversation';
import { validSources } from './savedSources';

const conversationsKey = 'rook.chat.conversations';
const activeKey = 'rook.chat.activeConversation';
/** The oldest conversations are dropped beyond this, so global state stays small. */
const maxConversations = 50;

export class ConversationStore {
  constructor(private readonly state: vscode.Memento) {}

  /** Most recently updated first. */
  list(): ConversationSummary[] {
    return this.all().map(summarize);
  }

  /** A copy: the session adds to it, and global state must change only through `save`. Its sources are the valid ones. */
  get(id: string): Conversation | undefined {
    const conversation = this.all().find((candidate) => candidate.id === id);
    if (!conversation) return undefined;
    const { sources, ...rest } = structuredClone(conversation);
    const valid = validSources(sources, rest.messages);
    return valid.length > 0 ? { ...rest, sources: valid } : rest;
  }

  get activeId(): string | undefined {
    return this.state.get<string>(activeKey);
  }

  async setActive(id: string | undefined): Promise<void> {
    await this.state.update(activeKey, id);
  }

  /** Keeps a copy: the session goes on adding to its conversation, which must not change global state. */
  async save(conversation: Conversation): Promise<void> {
    const others = this.all().filter((existing) => existing.id !== conversation.id);
    await this.write([structuredClone(conversation), ...others]);
  }

  async rename(id: string, title: string): Promise<void> {
    await this.write(this.all().map((conversation) => (conversation.id === id ? { ...conversation, title } : conversation)));
  }

  async delete(id: string): Promise<void> {
    await this.write(this.all().filter((conversation) => conversation.id !== id));
    if (this.activeId === id) await this.setActive(undefined);
  }

  private all(): Conversation[] {
    return [...this.state.get<Conversation[]>(conversationsKey, [])].sort((a, b) => b.updatedAt - a.updatedAt);
  }

  private async write(conversations: Conversation[]): Promise<void> {
    await this.state.update(conversationsKey, conversations.slice(0, maxConversations));
  }
}
