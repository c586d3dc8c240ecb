/**
 * Inline completions in VS Code: middleware around vscode-languageclient's provider for the
 * sidecar's `textDocument/inlineCompletion`. It gates requests (excluded files, per-language
 * switch, snooze), lets `CompletionTrigger` serve from the cache or the in-flight request or debounce
 * a new one, starts the request as a key is typed (VS Code waits 50 ms before it asks a provider),
 * sends the language servers' context (`restingCursorContext.ts`) before each engine request, and
 * asks for the next suggestion as soon as one is accepted. Excluded files never reach the sidecar
 * (`excludedDocuments.ts`); the snooze command is `snoozeCommand.ts`.
 */
import * as vscode from 'vscode';
import { InlineCompletionTriggerKind as LspTriggerKind, type InlineCompletionItem, type InlineCompletionList, type InlineCompletionParams, type Middleware } from 'vscode-languageclient/node';
import type { CompletionContextParams } from '../../server/protocol/contract';
import { userValue } from '../settings';
import { sidecarSchemes } from '../sidecar/supervisor';
import type { CursorView } from './anchor';
import { CompletionTrigger } from './completionTrigger';
import { AdaptiveDebounce, vscodeLimits } from './debounce';
import { ExcludedDocuments } from './excludedDocuments';
import { completionsEnabledFor, type LanguageSwitches } from './languageSwitch';
import { RestingCursorContext } from './restingCursorContext';
import { Snooze } from './snooze';
import { registerSnoozeCommand } from './snoozeCommand';
import type { Suggestion } from './suggestionCache';

/** Where the sidecar's middleware goes, and how context reaches it; the supervisor does both. */
export interface MiddlewareHost {
  readonly middleware: Middleware;
  sendCompletionContext(params: CompletionContextParams): Promise<void>;
  /** A request of its own, for one started before VS Code asks (the middleware only sees VS Code's). */
  requestInlineCompletion(params: InlineCompletionParams, token: vscode.CancellationToken): Promise<InlineCompletionList | InlineCompletionItem[] | null>;
}

export function registerInlineCompletions(host: MiddlewareHost): vscode.Disposable {
  const trigger = new CompletionTrigger(new AdaptiveDebounce(vscodeLimits));
  const snooze = new Snooze();
  const excluded = new ExcludedDocuments();
  const automaticAllowed = (document: vscode.TextDocument) =>
    !snooze.isSnoozed(Date.now()) && completionsEnabledFor(document.languageId, userValue<LanguageSwitches>('rook.completion', 'languages', { '*': true }));
  /** A document the sidecar knows, with automatic suggestions on: where typing starts a request and a resting cursor a context lookup. */
  const automaticIn = (document: vscode.TextDocument) =>
    sidecarSchemes.includes(document.uri.scheme) && !excluded.has(document) && automaticAllowed(document);
  const cursorContext = new RestingCursorContext((params) => host.sendCompletionContext(params), automaticIn);
  /** The document whose suggestion was just accepted: the request that follows is not kept waiting. */
  let acceptedIn: string | undefined;

  Object.assign(host.middleware, {
    ...excluded.syncMiddleware((uri) => {
      trigger.cache.forget(uri);
      cursorContext.forget(uri);
    }),
    provideInlineCompletionItems: async (document, position, context, token, next) => {
      if (excluded.has(document)) return undefined;
      const automatic = context.triggerKind === vscode.InlineCompletionTriggerKind.Automatic;
      if (automatic && !automaticAllowed(document)) return undefined;
      const controller = new AbortController();
      const subscription = token.onCancellationRequested(() => controller.abort());
      // A manual request may wait a little for fresh context, so its lookup starts now; typing uses the
      // context found when the cursor last rested.
      const lookup = automatic ? undefined : cursorContext.lookUp(document, position);
      const afterAccept = acceptedIn === document.uri.toString();
      acceptedIn = undefined;
      try {
        // Only typing is debounced: the request right after an accept is not a keystroke to wait out.
        const debounced = automatic && !afterAccept;
        const { suggestion } = await trigger.provide(cursorView(document, position), debounced, controller.signal, async (signal) => {
          await cursorContext.send(document, lookup, !automatic && !afterAccept);
          return fetchSuggestion(next, document, position, context, signal);
        });
        if (!suggestion) return undefined;
        const item = new vscode.InlineCompletionItem(suggestion.insertText, new vscode.Range(position, position.translate(0, suggestion.replaceLength)));
        item.command = { command: 'rook.completionAccepted', title: 'Ask for the next suggestion' };
        return [item];
      } finally {
        subscription.dispose();
      }
    },
  } satisfies Middleware);

  /** Starts the request for the keystroke that changed `document`, once the language client has sent the change. */
  const prefetchAfterTyping = (event: vscode.TextDocumentChangeEvent) => {
    const editor = vscode.window.activeTextEditor;
    const { document } = event;
    if (editor?.document !== document || !isTyping(event) || !automaticIn(document)) return;
    const version = document.version;
    setTimeout(() => {
      if (document.version !== version || editor.selections.length !== 1 || !editor.selection.isEmpty) return;
      const position = editor.selection.active;
      trigger.prefetch(cursorView(document, position), async (signal) => {
        await cursorContext.send(document, undefined, false);
        return withCancellation(signal, async (token) => {
          const params = { textDocument: { uri: document.uri.toString() }, position: { line: position.line, character: position.character }, context: { triggerKind: LspTriggerKind.Automatic } };
          return firstSuggestion(await host.requestInlineCompletion(params, token), position);
        });
      });
    }, 0);
  };

  return vscode.Disposable.from(
    registerSnoozeCommand(snooze, () => trigger.cancel()),
    vscode.workspace.onDidChangeTextDocument(prefetchAfterTyping),
    // Accepting a suggestion puts the cursor where the next one is wanted: ask at once, skipping the
    // typing debounce, so its ghost text is on its way before the user looks for it. VS Code asks again
    // by itself after an accept with the editor focused (as an automatic request, which the flag keeps
    // from being debounced); the trigger covers the other accepts, and the two share one engine request.
    vscode.commands.registerCommand('rook.completionAccepted', () => {
      const document = vscode.window.activeTextEditor?.document;
      if (!document || !automaticAllowed(document)) return;
      acceptedIn = document.uri.toString();
      void vscode.commands.executeCommand('editor.action.inlineSuggest.trigger');
    }),
    cursorContext,
  );
}

function cursorView(document: vscode.TextDocument, position: vscode.Position): CursorView {
  const offset = document.offsetAt(position);
  return {
    uri: document.uri.toString(),
    offset,
    textBefore: (length) => document.getText(new vscode.Range(document.positionAt(Math.max(0, offset - length)), position)),
    lineSuffix: document.lineAt(position.line).text.slice(position.character),
  };
}

/** One character typed or deleted (not a paste, an undo or a multi-cursor edit): a keystroke worth a request. */
function isTyping(event: vscode.TextDocumentChangeEvent): boolean {
  if (event.reason !== undefined || event.contentChanges.length !== 1) return false;
  const [change] = event.contentChanges;
  return change.text.length + change.rangeLength === 1;
}

type ProvideNext = Parameters<NonNullable<Middleware['provideInlineCompletionItems']>>[4];

/** One request to the sidecar through the language client, as a `Suggestion` relative to `position`. */
function fetchSuggestion(
  next: ProvideNext,
  document: vscode.TextDocument,
  position: vscode.Position,
  context: vscode.InlineCompletionContext,
  signal: AbortSignal,
): Promise<Suggestion | undefined> {
  return withCancellation(signal, async (token) => firstSuggestion(await next(document, position, context, token), position));
}

/** Runs `work` with a cancellation token that `signal` cancels. */
async function withCancellation<T>(signal: AbortSignal, work: (token: vscode.CancellationToken) => Promise<T>): Promise<T> {
  const source = new vscode.CancellationTokenSource();
  signal.addEventListener('abort', () => source.cancel(), { once: true });
  try {
    return await work(source.token);
  } finally {
    source.dispose();
  }
}

/** An answer's item as VS Code's converted type or as the protocol's: the text and where its range ends. */
interface AnswerItem {
  insertText: string | { value: string };
  range?: { end: { line: number; character: number } };
}

/** The first item of an answer as a `Suggestion` at `position`. */
function firstSuggestion(answer: readonly AnswerItem[] | { items: readonly AnswerItem[] } | null | undefined, position: vscode.Position): Suggestion | undefined {
  const item = (Array.isArray(answer) ? answer : (answer as { items?: readonly AnswerItem[] } | null | undefined)?.items)?.[0];
  if (!item) return undefined;
  const insertText = typeof item.insertText === 'string' ? item.insertText : item.insertText.value;
  const end = item.range?.end;
  const replaceLength = end && end.line === position.line ? Math.max(0, end.character - position.character) : 0;
  return { insertText, replaceLength };
}
