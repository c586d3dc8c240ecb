/**
 * Messages between the chat webview and the extension. Both sides import this module (the webview
 * bundle too), so it holds types and plain functions only: no `vscode` import.
 *
 * Message ids number assistant answers; the extension assigns them with `start`.
 */
import type { ChatMessage, FinishReason } from '../../server/protocol/contract';
import type { ContextKind } from './contextPrompt';
import type { ConversationSummary } from './conversation';

type ConversationAction = 'openConversation' | 'renameConversation' | 'deleteConversation' | 'exportConversation';

/** Webview -> extension. */
export type WebviewMessage =
  | { type: 'ready' }
  | { type: 'send'; text: string }
  | { type: 'stop' }
  | { type: 'copy'; code: string }
  | { type: 'insert'; code: string }
  /** Proposes the code block as the new content of the selection (or file) in a diff to accept or reject. */
  | { type: 'apply'; code: string }
  /** Opens the code block in a new untitled editor; `language` is the fence's tag, possibly empty. */
  | { type: 'newFile'; code: string; language: string }
  /** A link the user clicked; the extension opens it (only http(s)) outside the webview. */
  | { type: 'open'; href: string }
  | { type: 'newConversation' }
  /** The header's engine picker was clicked; the extension shows the choice in a quick pick. */
  | { type: 'pickEngine' }
  /** The input's text as it is being typed, so the context line can show what its `@` mentions add. */
  | { type: 'draft'; text: string }
  /** Asks for workspace files matching an `@` mention being typed. */
  | { type: 'suggestFiles'; query: string }
  /** Opens source `index` of answer `id` (a workspace file the index gave as context), listed by `sources`. */
  | { type: 'openSource'; id: number; index: number }
  /**
   * History actions on the conversation with `id`; renaming asks for the name in VS Code's own input box.
   * One member per action, so each has a message type of its own for its handler.
   */
  | { [Action in ConversationAction]: { type: Action; id: string } }[ConversationAction];

type WebviewMessagesByType = { [Message in WebviewMessage as Message['type']]: Message };

/** A handler for every kind of webview message, each given exactly its kind: a kind without one fails to compile. */
export type WebviewMessageHandlers = { [Type in keyof WebviewMessagesByType]: (message: WebviewMessagesByType[Type]) => void };

/** The links of a saved answer (the assistant message at `message`), shown under it as `sources` would; `id` opens them. */
export interface PastSources {
  message: number;
  id: number;
  labels: string[];
}

/** Extension -> webview. */
export type ExtensionMessage =
  | { type: 'start'; id: number }
  | { type: 'delta'; id: number; text: string }
  | { type: 'done'; id: number; finishReason: FinishReason }
  | { type: 'error'; id: number; message: string }
  /** Engine and model, shown in the header line. */
  | { type: 'status'; text: string }
  /**
   * Replaces the page's conversation with these past exchanges (a restored or newly opened conversation), with the
   * links of the answers that had sources.
   */
  | { type: 'conversation'; messages: ChatMessage[]; sources?: PastSources[] }
  /** The history list, most recent first; `activeId` is the conversation shown. */
  | { type: 'history'; conversations: ConversationSummary[]; activeId: string }
  /** What the next question would carry as context, and its estimated size against the budget. */
  | { type: 'context'; pieces: { kind: ContextKind; label: string }[]; tokens: number; budget: number }
  /** Workspace-relative paths completing the `@` mention `query`. */
  | { type: 'fileSuggestions'; query: string; paths: string[] }
  /** The workspace files (and lines) an answer was given as context by `@codebase`, shown as links under it. */
  | { type: 'sources'; id: number; labels: string[] };

const conversationActions: readonly string[] = ['openConversation', 'renameConversation', 'deleteConversation', 'exportConversation'] satisfies ConversationAction[];
const chatRoles: readonly string[] = ['user', 'assistant', 'system'];

const finishReasons: readonly string[] = ['stop', 'length', 'cancelled'] satisfies FinishReason[];

type Fields = Record<string, unknown>;

function isRecord(value: unknown): value is Fields {
  return typeof value === 'object' && value !== null;
}

function hasString(message: Fields, key: string): boolean {
  return typeof message[key] === 'string';
}

function hasId(message: Fields): boolean {
  return Number.isSafeInteger(message.id);
}

/** Messages arrive as structured clones of whatever the other side posted; check before trusting. */
export function isWebviewMessage(value: unknown): value is WebviewMessage {
  if (!isRecord(value)) {
    return false;
  }
  switch (value.type) {
    case 'ready':
    case 'stop':
      return true;
    case 'send':
      return hasString(value, 'text');
    case 'copy':
    case 'insert':
    case 'apply':
      return hasString(value, 'code');
    case 'newFile':
      return hasString(value, 'code') && hasString(value, 'language');
    case 'open':
      return hasString(value, 'href');
    case 'newConversation':
    case 'pickEngine':
      return true;
    case 'draft':
      return hasString(value, 'text');
    case 'suggestFiles':
      return hasString(value, 'query');
    case 'openSource':
      return hasId(value) && Number.isSafeInteger(value.index);
    default:
      return conversationActions.includes(value.type as string) && hasString(value, 'id');
  }
}

function isChatMessage(value: unknown): value is ChatMessage {
  return isRecord(value) && chatRoles.includes(value.role as string) && hasString(value, 'content');
}

function isPastSources(value: unknown): boolean {
  return isRecord(value) && Number.isSafeInteger(value.message) && hasId(value) && Array.isArray(value.labels) && value.labels.every((label) => typeof label === 'string');
}

function isConversationSummary(value: unknown): boolean {
  return isRecord(value) && hasString(value, 'id') && hasString(value, 'title') && typeof value.updatedAt === 'number';
}

export function isExtensionMessage(value: unknown): value is ExtensionMessage {
  if (!isRecord(value)) {
    return false;
  }
  switch (value.type) {
    case 'start':
      return hasId(value);
    case 'delta':
      return hasId(value) && hasString(value, 'text');
    case 'done':
      return hasId(value) && finishReasons.includes(value.finishReason as string);
    case 'error':
      return hasId(value) && hasString(value, 'message');
    case 'status':
      return hasString(value, 'text');
    case 'conversation':
      return Array.isArray(value.messages) && value.messages.every(isChatMessage) && (value.sources === undefined || (Array.isArray(value.sources) && value.sources.every(isPastSources)));
    case 'history':
      return Array.isArray(value.conversations) && value.conversations.every(isConversationSummary) && hasString(value, 'activeId');
    case 'context':
      return Array.isArray(value.pieces) && value.pieces.every((piece) => isRecord(piece) && hasString(piece, 'label')) &&
        typeof value.tokens === 'number' && typeof value.budget === 'number';
    case 'fileSuggestions':
      return hasString(value, 'query') && Array.isArray(value.paths) && value.paths.every((path) => typeof path === 'string');
    case 'sources':
      return hasId(value) && Array.isArray(value.labels) && value.labels.every((label) => typeof label === 'string');
    default:
      return false;
  }
}

/** Hands `message` to the handler for its kind. */
export function dispatchWebviewMessage(handlers: WebviewMessageHandlers, message: WebviewMessage): void {
  handle(handlers, message.type, message);
}

/** Generic in the kind so the handler and its message are checked as one kind, with no cast. */
function handle<Type extends keyof WebviewMessagesByType>(handlers: WebviewMessageHandlers, type: Type, message: WebviewMessagesByType[Type]): void {
  handlers[type](message);
}
