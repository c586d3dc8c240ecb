/**
 * The `rook.chatView` webview view: serves the chat page, hands its messages to their handlers
 * (`chatMessageHandlers.ts`), runs the conversation shown in a `ChatSession` and keeps the history
 * of conversations in step with it.
 */
import { randomBytes, randomUUID } from 'node:crypto';
import * as vscode from 'vscode';
import type { SidecarStatus } from '../../server/protocol/contract';
import type { SidecarConnection } from '../sidecar/connection';
import { renderChatPage } from './chatPage';
import { ChatHistory } from './chatHistory';
import { chatMessageHandlers, type ChatViewActions } from './chatMessageHandlers';
import { ChatSession } from './chatSession';
import type { EditReview } from '../refactor/editReview';
import type { Conversation } from './conversation';
import { composeQuestion, contextBudgetTokens, estimateTokens } from './contextPrompt';
import { ConversationStore } from './conversationStore';
import { dispatchWebviewMessage, isWebviewMessage, type ExtensionMessage, type WebviewMessageHandlers } from './messages';
import { describeStatus } from './statusLine';
import { gatherContext, suggestFiles, type CodebaseSearch } from './workspaceContext';

const chatViewId = 'rook.chatView';

/** What other features may do with the chat view. */
export interface ChatView extends vscode.Disposable {
  /**
   * Shows the view and asks `question` in its conversation, as if typed there (Explain uses this).
   * Resolves when the answer has ended; false when it was not asked because an answer is still streaming.
   */
  ask(question: string): Promise<boolean>;
}

export function registerChatView(
  context: vscode.ExtensionContext,
  sidecar: SidecarConnection,
  log: vscode.LogOutputChannel,
  review: EditReview,
): ChatView {
  const provider = new ChatViewProvider(context.extensionUri, sidecar, log, new ChatHistory(new ConversationStore(context.globalState)), review);
  const registrations = vscode.Disposable.from(
    vscode.commands.registerCommand('rook.chat.newConversation', async () => {
      await vscode.commands.executeCommand(`${chatViewId}.focus`);
      provider.newConversation();
    }),
    // `target` (a path or URI) lets scripts and tests export without the save dialog.
    vscode.commands.registerCommand('rook.chat.export', (target?: string | vscode.Uri) =>
      provider.exportActive(typeof target === 'string' ? vscode.Uri.file(target) : target),
    ),
    // Kept alive while hidden so an answer keeps streaming into the page instead of being lost.
    vscode.window.registerWebviewViewProvider(chatViewId, provider, { webviewOptions: { retainContextWhenHidden: true } }),
    provider,
  );
  return { ask: (question) => provider.ask(question), dispose: () => registrations.dispose() };
}

class ChatViewProvider implements vscode.WebviewViewProvider, ChatViewActions, vscode.Disposable {
  private view?: vscode.WebviewView;
  private session?: ChatSession;
  /** Cancels the answer being streamed, if any. */
  private request?: vscode.CancellationTokenSource;
  private readonly subscriptions: vscode.Disposable;
  /** The input's text as last reported by the page: its `@` mentions are part of the context shown. */
  private draft = '';
  private contextUpdate?: ReturnType<typeof setTimeout>;
  /** Whether the current page has said `ready`: messages posted before that would be lost. */
  private pageReady = false;
  private readonly pageBecameReady = new vscode.EventEmitter<void>();
  private readonly handlers: WebviewMessageHandlers;
  private readonly search: CodebaseSearch;

  constructor(
    private readonly extensionUri: vscode.Uri,
    private readonly sidecar: SidecarConnection,
    private readonly log: vscode.LogOutputChannel,
    private readonly history: ChatHistory,
    review: EditReview,
  ) {
    this.handlers = chatMessageHandlers(this, history, review, log, () => sidecar.discoverServers());
    this.search = (params) => sidecar.searchCodebase(params);
    this.subscriptions = vscode.Disposable.from(
      sidecar.onDidChangeStatus((status) => this.postStatus(status)),
      vscode.window.onDidChangeActiveTextEditor(() => this.scheduleContextUpdate()),
      vscode.window.onDidChangeTextEditorSelection(() => this.scheduleContextUpdate()),
      vscode.languages.onDidChangeDiagnostics(() => this.scheduleContextUpdate()),
    );
  }

  resolveWebviewView(view: vscode.WebviewView): void {
    this.stop();
    this.view = view;
    this.pageReady = false;
    // A new page (a reload, a restart) continues the conversation that was open last.
    this.startSession(this.history.lastOpen() ?? newConversation());

    const webview = view.webview;
    const resource = (...path: string[]) => webview.asWebviewUri(vscode.Uri.joinPath(this.extensionUri, ...path)).toString();
    const codiconsRoot = ['node_modules', '@vscode', 'codicons', 'dist'];
    webview.options = {
      enableScripts: true,
      localResourceRoots: [
        vscode.Uri.joinPath(this.extensionUri, 'dist', 'webview'),
        vscode.Uri.joinPath(this.extensionUri, 'media'),
        vscode.Uri.joinPath(this.extensionUri, ...codiconsRoot),
      ],
    };
    webview.html = renderChatPage({
      cspSource: webview.cspSource,
      nonce: randomBytes(16).toString('base64'),
      scriptUri: resource('dist', 'webview', 'chat.js'),
      styleUri: resource('media', 'chat', 'chat.css'),
      codiconsUri: resource(...codiconsRoot, 'codicon.css'),
    });

    const messages = webview.onDidReceiveMessage((message: unknown) => this.receive(message));
    view.onDidDispose(() => {
      messages.dispose();
      if (this.view === view) {
        this.stop();
        this.view = undefined;
        this.session = undefined;
      }
    });
  }

  dispose(): void {
    this.stop();
    this.subscriptions.dispose();
    clearTimeout(this.contextUpdate);
    this.pageBecameReady.dispose();
  }

  async ask(question: string): Promise<boolean> {
    await vscode.commands.executeCommand(`${chatViewId}.focus`);
    if (!this.pageReady) {
      await new Promise<void>((resolve) => {
        const subscription = this.pageBecameReady.event(() => {
          subscription.dispose();
          resolve();
        });
      });
    }
    if (this.session?.busy) return false;
    await this.send(question);
    return true;
  }

  private receive(message: unknown): void {
    if (!isWebviewMessage(message)) {
      this.log.warn('Chat: ignored a malformed message from the webview.');
      return;
    }
    dispatchWebviewMessage(this.handlers, message);
  }

  onPageReady(): void {
    this.pageReady = true;
    this.pageBecameReady.fire();
    this.postStatus(this.sidecar.status);
    this.postConversation();
    this.scheduleContextUpdate();
  }

  setDraft(text: string): void {
    this.draft = text;
    this.scheduleContextUpdate();
  }

  newConversation(): void {
    this.stop();
    this.startSession(newConversation());
    void this.history.setOpen(undefined);
    this.postConversation();
  }

  exportActive(target?: vscode.Uri): Promise<vscode.Uri | undefined> {
    return this.history.exportMarkdown(this.session?.conversation.id ?? '', target);
  }

  openConversation(id: string): void {
    const saved = this.history.get(id);
    if (!saved) return;
    this.stop();
    this.startSession(saved);
    void this.history.setOpen(id);
    this.postConversation();
  }

  async renameConversation(id: string): Promise<void> {
    const title = await this.history.rename(id);
    if (title === undefined) return;
    const conversation = this.session?.conversation;
    if (conversation?.id === id) conversation.title = title;
    this.postHistory();
  }

  async deleteConversation(id: string): Promise<void> {
    if (!(await this.history.delete(id))) return;
    if (this.session?.conversation.id === id) this.newConversation();
    else this.postHistory();
  }

  /** Selections and keystrokes come in bursts; the context line follows them a moment later. */
  private scheduleContextUpdate(): void {
    clearTimeout(this.contextUpdate);
    this.contextUpdate = setTimeout(() => void this.postContext(), 300);
  }

  private async postContext(): Promise<void> {
    const view = this.view;
    if (!view) return;
    const pieces = await gatherContext(this.draft, this.search);
    const tokens = estimateTokens(composeQuestion('', pieces));
    this.post(view, { type: 'context', pieces: pieces.map(({ kind, label }) => ({ kind, label })), tokens, budget: contextBudgetTokens });
  }

  async openSource(id: number, index: number): Promise<void> {
    const source = this.session?.sourceAt(id, index);
    if (!source) return;
    const range = new vscode.Range(source.firstLine, 0, source.lastLine, 0);
    await vscode.window.showTextDocument(vscode.Uri.parse(source.uri), { selection: range, preview: true, viewColumn: vscode.ViewColumn.One });
  }

  async suggestFiles(query: string): Promise<void> {
    const view = this.view;
    if (view) this.post(view, { type: 'fileSuggestions', query, paths: await suggestFiles(query) });
  }

  private startSession(conversation: Conversation): void {
    const view = this.view;
    if (!view) return;
    // A stopped answer of the session being replaced still reports its end: not to the new one's page.
    const session: ChatSession = new ChatSession(
      this.sidecar,
      (message) => this.session === session && this.post(view, message),
      conversation,
      (changed) => void this.saved(changed),
      workspaceFolderPaths(),
    );
    this.session = session;
  }

  private async saved(conversation: Conversation): Promise<void> {
    await this.history.save(conversation);
    if (this.session?.conversation.id === conversation.id) await this.history.setOpen(conversation.id);
    this.postHistory();
  }

  /** Shows the session's conversation on the page, and the history list around it. */
  private postConversation(): void {
    if (this.view && this.session) {
      this.post(this.view, { type: 'conversation', messages: this.session.conversation.messages, sources: this.session.pastSources });
      this.postHistory();
    }
  }

  private postHistory(): void {
    if (this.view && this.session) {
      this.post(this.view, { type: 'history', conversations: this.history.list(), activeId: this.session.conversation.id });
    }
  }

  async send(text: string): Promise<void> {
    const session = this.session;
    const pieces = await gatherContext(text, this.search);
    const prompt = composeQuestion(text, pieces);
    // The input is empty again once a question is sent: its mentions no longer count.
    this.draft = '';
    this.scheduleContextUpdate();
    // A second request while one streams would orphan the first one's cancellation.
    if (!session || session.busy || session !== this.session) {
      return;
    }
    const request = new vscode.CancellationTokenSource();
    this.request = request;
    try {
      await session.send(text, request.token, prompt, pieces);
    } finally {
      request.dispose();
      if (this.request === request) {
        this.request = undefined;
      }
    }
  }

  stop(): void {
    this.request?.cancel();
  }

  private postStatus(status: SidecarStatus): void {
    if (this.view) {
      this.post(this.view, { type: 'status', text: describeStatus(status) });
    }
  }

  /** Drops messages meant for a page that has since been replaced. */
  private post(view: vscode.WebviewView, message: ExtensionMessage): void {
    if (this.view === view) {
      view.webview.postMessage(message).then(undefined, (error: unknown) => {
        this.log.warn(`Chat: could not reach the webview: ${String(error)}`);
      });
    }
  }
}

/** The local folders of the workspace, which a saved answer's links must lie in. */
function workspaceFolderPaths(): string[] {
  return (vscode.workspace.workspaceFolders ?? []).filter((folder) => folder.uri.scheme === 'file').map((folder) => folder.uri.fsPath);
}

function newConversation(): Conversation {
  return { id: randomUUID(), title: 'New conversation', updatedAt: Date.now(), messages: [] };
}
