/**
 * Inline completions in VS Code: middleware around vscode-languageclient's provider for the
 * sidecar's `textDocument/inlineCompletion`. It gates requests (excluded files, per-language
 * switch, snooze), lets `CompletionTrigger` serve from the cache or the in-flight request or debounce
 * a new one, and keeps excluded files from ever reaching the sidecar, so they are never context.
 */
import * as vscode from 'vscode';
import type { Middleware } from 'vscode-languageclient/node';
import { userValue } from '../settings';
import type { CursorView } from './anchor';
import { CompletionTrigger } from './completionTrigger';
import { AdaptiveDebounce, vscodeLimits } from './debounce';
import { completionsEnabledFor, type LanguageSwitches } from './languageSwitch';
import { Snooze } from './snooze';
import type { Suggestion } from './suggestionCache';

/** Secrets and keys are never sent to a model unless the user says otherwise. */
export const defaultExcludeGlobs = ['**/.env', '**/.env.*', '**/*.pem', '**/*.key', '**/.ssh/**', '**/secrets/**'];

const snoozeChoices = [5, 15, 30, 60];

/** Where the sidecar's middleware goes; the supervisor passes it to the language client. */
export interface MiddlewareHost {
  readonly middleware: Middleware;
}

export function registerInlineCompletions(host: MiddlewareHost): vscode.Disposable {
  const trigger = new CompletionTrigger(new AdaptiveDebounce(vscodeLimits));
  const snooze = new Snooze();
  /** Documents kept from the sidecar; decided when they open, so later edits and closes match. */
  const excluded = new Set<string>();
  const isExcluded = (document: vscode.TextDocument) =>
    userValue('rook.completion', 'excludeGlobs', defaultExcludeGlobs).some((pattern) => vscode.languages.match({ pattern }, document) > 0);

  Object.assign(host.middleware, {
    didOpen: (document, next) => {
      if (!isExcluded(document)) return next(document);
      excluded.add(document.uri.toString());
      return Promise.resolve();
    },
    didChange: (event, next) => (excluded.has(event.document.uri.toString()) ? Promise.resolve() : next(event)),
    didClose: (document, next) => {
      trigger.cache.forget(document.uri.toString());
      if (excluded.delete(document.uri.toString())) return Promise.resolve();
      return next(document);
    },
    provideInlineCompletionItems: async (document, position, context, token, next) => {
      if (excluded.has(document.uri.toString())) return undefined;
      const automatic = context.triggerKind === vscode.InlineCompletionTriggerKind.Automatic;
      const languages = userValue<LanguageSwitches>('rook.completion', 'languages', { '*': true });
      if (automatic && (snooze.isSnoozed(Date.now()) || !completionsEnabledFor(document.languageId, languages))) return undefined;
      const controller = new AbortController();
      const subscription = token.onCancellationRequested(() => controller.abort());
      try {
        const { suggestion } = await trigger.provide(cursorView(document, position), automatic, controller.signal, (signal) =>
          fetchSuggestion(next, document, position, context, signal),
        );
        if (!suggestion) return undefined;
        return [new vscode.InlineCompletionItem(suggestion.insertText, new vscode.Range(position, position.translate(0, suggestion.replaceLength)))];
      } finally {
        subscription.dispose();
      }
    },
  } satisfies Middleware);

  return vscode.commands.registerCommand('rook.snoozeCompletions', async (minutes?: number) => {
    const chosen = minutes ?? (await pickSnoozeMinutes(snooze.minutesLeft(Date.now())));
    if (chosen === undefined) return;
    if (chosen <= 0) {
      snooze.resume();
      void vscode.window.setStatusBarMessage('Rook: inline completions resumed', 3000);
      return;
    }
    snooze.snooze(chosen, Date.now());
    trigger.cancel();
    void vscode.window.setStatusBarMessage(`Rook: inline completions snoozed for ${chosen} min`, 3000);
  });
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

type ProvideNext = Parameters<NonNullable<Middleware['provideInlineCompletionItems']>>[4];

/** One request to the sidecar through the language client, as a `Suggestion` relative to `position`. */
async function fetchSuggestion(
  next: ProvideNext,
  document: vscode.TextDocument,
  position: vscode.Position,
  context: vscode.InlineCompletionContext,
  signal: AbortSignal,
): Promise<Suggestion | undefined> {
  const source = new vscode.CancellationTokenSource();
  signal.addEventListener('abort', () => source.cancel(), { once: true });
  try {
    const answer = await next(document, position, context, source.token);
    const item = (Array.isArray(answer) ? answer : answer?.items)?.[0];
    if (!item) return undefined;
    const insertText = typeof item.insertText === 'string' ? item.insertText : item.insertText.value;
    const end = item.range?.end;
    const replaceLength = end && end.line === position.line ? Math.max(0, end.character - position.character) : 0;
    return { insertText, replaceLength };
  } finally {
    source.dispose();
  }
}
