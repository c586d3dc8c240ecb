/**
 * One chat conversation: keeps the history the model sees, runs one request at a time through the
 * sidecar and reports its progress as webview messages. Knows nothing about the webview itself;
 * `onChange` hears of each exchange added, so the history store can keep it.
 */
import type * as vscode from 'vscode';
import { maxRequestChars, type ChatMessage } from '../../server/protocol/contract';
import type { SidecarConnection } from '../sidecar/connection';
import { titleFromQuestion, type Conversation } from './conversation';
import { recentTurns } from './historyBudget';
import type { ContextPiece } from './contextPrompt';
import type { ExtensionMessage } from './messages';

/** A workspace file (and lines) an answer was given as context, which the answer links to. */
export type AnswerSource = NonNullable<ContextPiece['source']>;

const maxAnswerTokens = 512;

export class ChatSession {
  private nextId = 1;
  private running = false;
  /** Each answer's sources, by answer id, for as long as the session shows it. */
  private readonly sources = new Map<number, AnswerSource[]>();

  constructor(
    private readonly sidecar: Pick<SidecarConnection, 'chat'>,
    private readonly post: (message: ExtensionMessage) => void,
    readonly conversation: Conversation,
    private readonly onChange: (conversation: Conversation) => void = () => {},
  ) {}

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
    const linked = sources.filter((piece) => piece.source);
    if (linked.length > 0) {
      this.sources.set(id, linked.map((piece) => piece.source!));
      this.post({ type: 'sources', id, labels: linked.map((piece) => piece.label) });
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
      this.remember(question, result.text);
      this.post({ type: 'done', id, finishReason: result.finishReason });
    } catch (error) {
      if (token.isCancellationRequested) {
        // A stop may surface as a rejection; the user asked for it, so it is no error.
        this.remember(question, streamed);
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
  private remember(question: ChatMessage, answer: string): void {
    if (answer === '') {
      return;
    }
    if (this.conversation.messages.length === 0) {
      this.conversation.title = titleFromQuestion(question.content);
    }
    this.conversation.messages.push(question, { role: 'assistant', content: answer });
    this.conversation.updatedAt = Date.now();
    this.onChange(this.conversation);
  }
}
