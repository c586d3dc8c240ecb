/**
 * Messages between the chat webview and the extension. Both sides import this module (the webview
 * bundle too), so it holds types and plain functions only: no `vscode` import.
 *
 * Message ids number assistant answers; the extension assigns them with `start`.
 */
import type { FinishReason } from '../../server/protocol/contract';

/** Webview -> extension. */
export type WebviewMessage =
  | { type: 'ready' }
  | { type: 'send'; text: string }
  | { type: 'stop' }
  | { type: 'copy'; code: string }
  | { type: 'insert'; code: string }
  /** A link the user clicked; the extension opens it (only http(s)) outside the webview. */
  | { type: 'open'; href: string };

/** Extension -> webview. */
export type ExtensionMessage =
  | { type: 'start'; id: number }
  | { type: 'delta'; id: number; text: string }
  | { type: 'done'; id: number; finishReason: FinishReason }
  | { type: 'error'; id: number; message: string }
  /** Engine and model, shown in the header line. */
  | { type: 'status'; text: string };

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
      return hasString(value, 'code');
    case 'open':
      return hasString(value, 'href');
    default:
      return false;
  }
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
    default:
      return false;
  }
}
