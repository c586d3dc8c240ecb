/**
 * Inline completions in VS Code: middleware around vscode-languageclient's provider for the
 * sidecar's `textDocument/inlineCompletion`. It gates requests (excluded files, per-language
 * switch, snooze), lets `CompletionTrigger` serve from the cache or the in-flight request or debounce
 * a new one, starts the request as a key is typed (VS Code waits 50 ms before it asks a provider),
 * sends the language servers' context (`languageContext.ts`) before each engine request,
 * asks for the next suggestion as soon as one is accepted, and keeps excluded files from ever
 * reaching the sidecar, so they are never context.
 */
import * as vscode from 'vscode';
import { InlineCompletionTriggerKind as LspTriggerKind, type InlineCompletionItem, type InlineCompletionList, type InlineCompletionParams, type Middleware } from 'vscode-languageclient/node';
import type { CompletionContextParams, ContextSnippet } from '../../server/protocol/contract';
import { userValue } from '../settings';
import { sidecarSchemes } from '../sidecar/supervisor';
import type { CursorView } from './anchor';
import { CompletionTrigger } from './completionTrigger';
import { AdaptiveDebounce, vscodeLimits } from './debounce';
import { LanguageContext, type LanguageContextOptions } from './languageContext';
import { completionsEnabledFor, type LanguageSwitches } from './languageSwitch';
import { Snooze } from './snooze';
import { SnoozeStatus } from './snoozeStatus';
import type { Suggestion } from './suggestionCache';

/** Secrets and keys are never sent to a model unless the user says otherwise. */
export const defaultExcludeGlobs = ['**/.env', '**/.env.*', '**/*.pem', '**/*.key', '**/.ssh/**', '**/secrets/**'];

const snoozeChoices = [5, 15, 30, 60];

/**
 * The longest a manual request waits for language-server context while the document has none yet;
 * typing and the request after an accept never wait: they use the context found before.
 */
const manualContextWaitMs = 250;
/**
 * A cursor that rests this long gets its context looked up; typing uses what the last rest found. Looking up
 * on every keystroke's request kept the TypeScript features busy on the extension host's thread while typing:
 * its worst stall while typing into a .ts file was 34-62 ms with Rook active, against 13-31 ms snoozed and
 * 31 ms active in a plain-text file, where no language server answers.
 */
const restingCursorMs = 200;

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
  const snoozeStatus = new SnoozeStatus();
  /** Documents kept from the sidecar; decided when they open, so later edits and closes match. */
  const excluded = new Set<string>();
  const isExcluded = (document: vscode.TextDocument) =>
    userValue('rook.completion', 'excludeGlobs', defaultExcludeGlobs).some((pattern) => vscode.languages.match({ pattern }, document) > 0);
  const languageContext = new LanguageContext(isExcluded);
  const automaticAllowed = (document: vscode.TextDocument) =>
    !snooze.isSnoozed(Date.now()) && completionsEnabledFor(document.languageId, userValue<LanguageSwitches>('rook.completion', 'languages', { '*': true }));

  const gatherContext = (document: vscode.TextDocument, position: vscode.Position): Promise<ContextSnippet[] | undefined> => {
    const options = contextOptions();
    if (!options.definitions && !options.imports) return Promise.resolve([]);
    return languageContext.gather(document, position, options);
  };
  /** The document whose suggestion was just accepted: the request that follows is not kept waiting. */
  let acceptedIn: string | undefined;
  /** Sends the document's language-server context: what `gathering` finds, within the wait allowed, else the last found. */
  const sendContext = async (document: vscode.TextDocument, gathering: Promise<ContextSnippet[] | undefined> | undefined, mayWait: boolean) => {
    const uri = document.uri.toString();
    const waitMs = mayWait && !languageContext.hasContext(uri) ? manualContextWaitMs : 0;
    // Sent with every engine request (a notification is cheap next to it), so a restarted sidecar has it too.
    const snippets = await languageContext.ready(uri, gathering, waitMs);
    await host.sendCompletionContext({ uri, version: document.version, snippets });
  };

  Object.assign(host.middleware, {
    didOpen: (document, next) => {
      if (!isExcluded(document)) return next(document);
      excluded.add(document.uri.toString());
      return Promise.resolve();
    },
    didChange: (event, next) => (excluded.has(event.document.uri.toString()) ? Promise.resolve() : next(event)),
    didClose: (document, next) => {
      trigger.cache.forget(document.uri.toString());
      languageContext.forget(document.uri.toString());
      if (excluded.delete(document.uri.toString())) return Promise.resolve();
      return next(document);
    },
    provideInlineCompletionItems: async (document, position, context, token, next) => {
      if (excluded.has(document.uri.toString())) return undefined;
      const automatic = context.triggerKind === vscode.InlineCompletionTriggerKind.Automatic;
      if (automatic && !automaticAllowed(document)) return undefined;
      const controller = new AbortController();
      const subscription = token.onCancellationRequested(() => controller.abort());
      // A manual request may wait a little for fresh context, so its lookup starts now; typing uses the
      // context found when the cursor last rested (`restingCursorMs`).
      const gathering = automatic ? undefined : gatherContext(document, position);
      const afterAccept = acceptedIn === document.uri.toString();
      acceptedIn = undefined;
      try {
        // Only typing is debounced: the request right after an accept is not a keystroke to wait out.
        const debounced = automatic && !afterAccept;
        const { suggestion } = await trigger.provide(cursorView(document, position), debounced, controller.signal, async (signal) => {
          await sendContext(document, gathering, !automatic && !afterAccept);
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
    if (editor?.document !== document || !isTyping(event) || !sidecarSchemes.includes(document.uri.scheme) || excluded.has(document.uri.toString())) return;
    if (!automaticAllowed(document)) return;
    const version = document.version;
    setTimeout(() => {
      if (document.version !== version || editor.selections.length !== 1 || !editor.selection.isEmpty) return;
      const position = editor.selection.active;
      trigger.prefetch(cursorView(document, position), async (signal) => {
        await sendContext(document, undefined, false);
        return withCancellation(signal, async (token) => {
          const params = { textDocument: { uri: document.uri.toString() }, position: { line: position.line, character: position.character }, context: { triggerKind: LspTriggerKind.Automatic } };
          return firstSuggestion(await host.requestInlineCompletion(params, token), position);
        });
      });
    }, 0);
  };

  let restingTimer: NodeJS.Timeout | undefined;
  return vscode.Disposable.from(
    snoozeStatus,
    vscode.workspace.onDidChangeTextDocument(prefetchAfterTyping),
    vscode.commands.registerCommand('rook.snoozeCompletions', async (minutes?: number) => {
      const chosen = minutes ?? (await pickSnoozeMinutes(snooze.minutesLeft(Date.now())));
      if (chosen === undefined) return;
      if (chosen <= 0) {
        snooze.resume();
        snoozeStatus.hide();
        void vscode.window.setStatusBarMessage('Rook: inline completions resumed', 3000);
        return;
      }
      snooze.snooze(chosen, Date.now());
      snoozeStatus.show(snooze.endsAt(Date.now()) ?? Date.now());
      trigger.cancel();
    }),
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
    vscode.window.onDidChangeTextEditorSelection(({ textEditor }) => {
      clearTimeout(restingTimer);
      const { document, selection } = textEditor;
      if (!sidecarSchemes.includes(document.uri.scheme) || excluded.has(document.uri.toString()) || !automaticAllowed(document)) return;
      restingTimer = setTimeout(() => void gatherContext(document, selection.active), restingCursorMs);
    }),
    { dispose: () => clearTimeout(restingTimer) },
  );
}

function contextOptions(): LanguageContextOptions {
  return {
    definitions: userValue('rook.completion', 'context.definitions', true),
    imports: userValue('rook.completion', 'context.imports', true),
  };
}

async function pickSnoozeMinutes(minutesLeft: number): Promise<number | undefined> {
  const items = [
    ...(minutesLeft > 0 ? [{ label: `Resume now (${minutesLeft} min left)`, minutes: 0 }] : []),
    ...snoozeChoices.map((minutes) => ({ label: `Snooze for ${minutes} minutes`, minutes })),
  ];
  return (await vscode.window.showQuickPick(items, { placeHolder: 'Pause automatic inline completions' }))?.minutes;
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
