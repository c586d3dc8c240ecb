/**
 * The `rook.chatView` webview view: serves the chat page, relays its messages to a `ChatSession`,
 * and carries out what the page cannot do itself (clipboard, editor insertion, opening links).
 */
import { randomBytes } from 'node:crypto';
import * as vscode from 'vscode';
import type { SidecarStatus } from '../../server/protocol/contract';
import type { SidecarConnection } from '../sidecar/connection';
import { renderChatPage } from './chatPage';
import { ChatSession } from './chatSession';
import { isWebLink } from './links';
import { isWebviewMessage, type ExtensionMessage, type WebviewMessage } from './messages';
import { describeStatus } from './statusLine';

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
): ChatView {
  const provider = new ChatViewProvider(context.extensionUri, sidecar, log);
  const registrations = vscode.Disposable.from(
    // Kept alive while hidden so an answer keeps streaming into the page instead of being lost.
    vscode.window.registerWebviewViewProvider(chatViewId, provider, { webviewOptions: { retainContextWhenHidden: true } }),
    provider,
  );
  return { ask: (question) => provider.ask(question), dispose: () => registrations.dispose() };
}

class ChatViewProvider implements vscode.WebviewViewProvider, vscode.Disposable {
  private view?: vscode.WebviewView;
  private session?: ChatSession;
  /** Cancels the answer being streamed, if any. */
  private request?: vscode.CancellationTokenSource;
  private readonly statusSubscription: vscode.Disposable;
  /** Whether the current page has said `ready`: messages posted before that would be lost. */
  private pageReady = false;
  private readonly pageBecameReady = new vscode.EventEmitter<void>();

  constructor(
    private readonly extensionUri: vscode.Uri,
    private readonly sidecar: SidecarConnection,
    private readonly log: vscode.LogOutputChannel,
  ) {
    this.statusSubscription = sidecar.onDidChangeStatus((status) => this.postStatus(status));
  }

  resolveWebviewView(view: vscode.WebviewView): void {
    // A new page starts a new conversation: the model should not remember what is no longer shown.
    this.stop();
    this.view = view;
    this.pageReady = false;
    this.session = new ChatSession(this.sidecar, (message) => this.post(view, message));

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
    this.statusSubscription.dispose();
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
    this.handle(message);
  }

  private handle(message: WebviewMessage): void {
    switch (message.type) {
      case 'ready':
        this.pageReady = true;
        this.pageBecameReady.fire();
        this.postStatus(this.sidecar.status);
        break;
      case 'send':
        void this.send(message.text);
        break;
      case 'stop':
        this.stop();
        break;
      case 'copy':
        void vscode.env.clipboard.writeText(message.code);
        break;
      case 'insert':
        void this.insert(message.code);
        break;
      case 'open':
        this.open(message.href);
        break;
    }
  }

  private async send(text: string): Promise<void> {
    const session = this.session;
    // A second request while one streams would orphan the first one's cancellation.
    if (!session || session.busy) {
      return;
    }
    const request = new vscode.CancellationTokenSource();
    this.request = request;
    try {
      await session.send(text, request.token);
    } finally {
      request.dispose();
      if (this.request === request) {
        this.request = undefined;
      }
    }
  }

  private stop(): void {
    this.request?.cancel();
  }

  /** Like a paste: replaces the selection, or inserts at the cursor when nothing is selected. */
  private async insert(code: string): Promise<void> {
    const editor = vscode.window.activeTextEditor;
    if (!editor) {
      vscode.window.setStatusBarMessage('Rook: open an editor to insert the code into.', 5000);
      return;
    }
    if (!(await editor.edit((edit) => edit.replace(editor.selection, code)))) {
      this.log.warn(`Chat: ${editor.document.uri.toString()} did not accept the inserted code.`);
    }
  }

  /** The webview already only links web pages; checked again because its messages are not trusted. */
  private open(href: string): void {
    if (isWebLink(href)) {
      void vscode.env.openExternal(vscode.Uri.parse(href, true));
    } else {
      this.log.warn(`Chat: refused to open a non-web link: ${href}`);
    }
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
