/**
 * What the extension does for each kind of message the chat webview sends: a handler per kind, typed by
 * `WebviewMessageHandlers` so each gets exactly its message and a kind without a handler fails to compile.
 * Handlers that change what the page shows go through the view; the rest is what the page cannot do
 * itself (clipboard, code-block actions, opening links, the engine picker, exporting).
 */
import * as vscode from 'vscode';
import type { DiscoveredServer } from '../../server/protocol/contract';
import type { EditReview } from '../refactor/editReview';
import type { ChatHistory } from './chatHistory';
import { applyToFile, insertAtCursor, openInNewFile } from './codeBlockActions';
import { pickEngine } from './enginePicker';
import { openChatLink } from './linkPrompt';
import type { WebviewMessageHandlers } from './messages';

/** What the chat view does for the messages that concern its page or its session. */
export interface ChatViewActions {
  /** The page has loaded: messages posted from now on reach it. */
  onPageReady(): void;
  /** The input's text as it is being typed: the context line shows what its `@` mentions add. */
  setDraft(text: string): void;
  suggestFiles(query: string): Promise<void>;
  /** Opens a workspace file an answer was given as context (its `sources`), at the lines used. */
  openSource(id: number, index: number): Promise<void>;
  send(text: string): Promise<void>;
  /** Stops the answer being streamed, if any. */
  stop(): void;
  newConversation(): void;
  openConversation(id: string): void;
  renameConversation(id: string): Promise<void>;
  deleteConversation(id: string): Promise<void>;
}

export function chatMessageHandlers(
  view: ChatViewActions,
  history: ChatHistory,
  review: EditReview,
  log: vscode.LogOutputChannel,
  discoverServers: () => Promise<DiscoveredServer[]>,
): WebviewMessageHandlers {
  return {
    ready: () => view.onPageReady(),
    draft: ({ text }) => view.setDraft(text),
    suggestFiles: ({ query }) => void view.suggestFiles(query),
    openSource: ({ id, index }) => void view.openSource(id, index),
    send: ({ text }) => void view.send(text),
    stop: () => view.stop(),
    copy: ({ code }) => void vscode.env.clipboard.writeText(code),
    insert: ({ code }) => void insertAtCursor(code),
    apply: ({ code }) => void applyToFile(review, code),
    newFile: ({ code, language }) => void openInNewFile(code, language),
    open: ({ href }) => void openWebLink(href, log),
    newConversation: () => view.newConversation(),
    pickEngine: () => void pickEngine(discoverServers),
    openConversation: ({ id }) => view.openConversation(id),
    renameConversation: ({ id }) => void view.renameConversation(id),
    deleteConversation: ({ id }) => void view.deleteConversation(id),
    exportConversation: ({ id }) => void history.exportMarkdown(id),
  };
}

/**
 * The webview already only links web pages; checked again because its messages are not trusted. Links
 * come from model output, so none opens without the user confirming it in a modal dialog that shows
 * the full URL (VS Code itself would open loopback and private addresses without asking).
 */
function openWebLink(href: string, log: vscode.LogOutputChannel): Promise<boolean> {
  return openChatLink(href, {
    confirm: async (message, detail) => (await vscode.window.showWarningMessage(message, { modal: true, detail }, 'Open')) === 'Open',
    open: async (url) => void (await vscode.env.openExternal(vscode.Uri.parse(url, true))),
    warn: (line) => log.warn(line),
  });
}
