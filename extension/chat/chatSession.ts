/**
 * One chat conversation: keeps the history the model sees, runs one request at a time through the
 * sidecar and reports its progress as webview messages. Knows nothing about the webview itself;
 * `onChange` hears of each exchange added, so the history store can keep it, with the files each answer
 * linked to (`sources`), so a reopened conversation links them again.
 */
import type * as vscode from 'vscode';
import { maxRequestChars, type ChatMessage } from '../../server/protocol/contract';
import type { SidecarConnection } from '../sidecar/connection';
import { titleFromQuestion, type Conversation } from './conversation';
import { recentTurns } from './historyBudget';
import type { ContextPiece } from './contextPrompt';
import type { ExtensionMessage, PastSources } from './messages';
import { sourcesWithin, type SavedSource } from './savedSources';

/** A workspace file (and lines) an answer was given as context, which the answer links to. */
export type AnswerSource = SavedSource;

const maxAnswerTokens = 512;

export class ChatSession {
  private nextId = 1;
  private running = false;
  /** Each answer's sources, by answer id, for as long as the session shows it. */
  private readonly sources = new Map<number, AnswerSource[]>();
  /** The links of the conversation's saved answers, each answer given an id as if it had just streamed. */
  readonly pastSources: PastSources[] = [];

  /**
   * `workspaceFolders` (absolute paths): a saved answer links only to files inside them (a conversation is kept
   * per user, and may be reopened in another workspace).
   */
  constructor(
    private readonly sidecar: Pick<SidecarConnection, 'chat'>,
    private readonly post: (message: ExtensionMessage) => void,
    readonly conversation: Conversation,
    private readonly onChange: (conversation: Conversation) => void = () => {},
    workspaceFolders: readonly string[] = [],
  ) {
    for (const { answer, files } of sourcesWithin(conversation.sources ?? [], workspaceFolders)) {
      const id = this.nextId++;
      this.sources.set(id, files);
      this.pastSources.push({ message: answer, id, labels: files.map((file) => file.label) });
    }
  }

  get busy(): boolean {
    return this.running;
  }

  /**
   * Asks the model; resolves when the answer has ended (finished, stopped or failed). Ignored while busy.
   * The model gets `prompt` (the question with its workspace context); the history keeps `text` as typed.
   * `sources` (files the index gave as context) are listed under the answer as links.
   */
  async send(text: string, token: vscode.CancellationToken, prompt = text, sources: readonly ContextPiece[] = []): Promise<void> {
    if (this.running || text.trim() === '') {
      return;
    }
    this.running = true;
    const id = this.nextId++;
    const question: ChatMessage = { role: 'user', content: text };
    let streamed = '';
    this.post({ type: 'start', id });
    const linked = sources.flatMap((piece) => (piece.source ? [{ label: piece.label, ...piece.source }] : []));
    if (linked.length > 0) {
      this.sources.set(id, linked);
      this.post({ type: 'sources', id, labels: linked.map((source) => source.label) });
    }
    try {
      const result = await this.sidecar.chat(
        { messages: recentTurns(this.conversation.messages, { role: 'user', content: prompt }, maxRequestChars), maxTokens: maxAnswerTokens },
        (delta) => {
          streamed += delta;
          this.post({ type: 'delta', id, text: delta });
        },
        token,
      );
      this.remember(question, result.text, linked);
      this.post({ type: 'done', id, finishReason: result.finishReason });
    } catch (error) {
      if (token.isCancellationRequested) {
        // A stop may surface as a rejection; the user asked for it, so it is no error.
        this.remember(question, streamed, linked);
        this.post({ type: 'done', id, finishReason: 'cancelled' });
      } else {
        this.post({ type: 'error', id, message: error instanceof Error ? error.message : String(error) });
      }
    } finally {
      this.running = false;
    }
  }

  /** Source `index` of answer `id`, if the session gave it one. */
  sourceAt(id: number, index: number): AnswerSource | undefined {
    return this.sources.get(id)?.[index];
  }

  /**
   * Only exchanges with an answer join the history: a failed or empty turn would leave two user
   * messages in a row, which some chat templates reject.
   */
  private remember(question: ChatMessage, answer: string, sources: readonly AnswerSource[]): void {
    if (answer === '') {
      return;
    }
    if (this.conversation.messages.length === 0) {
      this.conversation.title = titleFromQuestion(question.content);
    }
    this.conversation.messages.push(question, { role: 'assistant', content: answer });
    if (sources.length > 0) {
      (this.conversation.sources ??= []).push({ answer: this.conversation.messages.length - 1, files: [...sources] });
    }
    this.conversation.updatedAt = Date.now();
    this.onChange(this.conversation);
  }
}
