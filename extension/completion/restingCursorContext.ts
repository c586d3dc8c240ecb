/**
 * The language-server context (`languageContext.ts`) sent with each completion request. It is looked up
 * when the cursor rests and for manual requests; typing, and the request after an accept, send what the
 * last lookup found and never wait for one, so typing does not keep the language servers busy on the
 * extension host's thread.
 */
import * as vscode from 'vscode';
import type { CompletionContextParams, ContextSnippet } from '../../server/protocol/contract';
import { userValue } from '../settings';
import { matchesExcludeGlobs } from './excludedDocuments';
import { LanguageContext, type LanguageContextOptions } from './languageContext';

/** A cursor that rests this long gets its context looked up. */
const restingCursorMs = 200;
/** The longest a manual request waits for a lookup while the document has no context yet. */
const manualContextWaitMs = 250;

type ContextLookup = Promise<ContextSnippet[] | undefined>;

export class RestingCursorContext implements vscode.Disposable {
  private readonly languageContext = new LanguageContext(matchesExcludeGlobs);
  private restingTimer: NodeJS.Timeout | undefined;
  private readonly selectionChanges: vscode.Disposable;

  /**
   * `sendToSidecar` delivers a document's context; `watched` says which documents' resting cursors get
   * a lookup (those with automatic suggestions).
   */
  constructor(
    private readonly sendToSidecar: (params: CompletionContextParams) => Promise<void>,
    watched: (document: vscode.TextDocument) => boolean,
  ) {
    this.selectionChanges = vscode.window.onDidChangeTextEditorSelection(({ textEditor }) => {
      clearTimeout(this.restingTimer);
      const { document, selection } = textEditor;
      if (!watched(document)) return;
      this.restingTimer = setTimeout(() => void this.lookUp(document, selection.active), restingCursorMs);
    });
  }

  /** Looks up the context at `position` (none when the settings turn both kinds off). */
  lookUp(document: vscode.TextDocument, position: vscode.Position): ContextLookup {
    const options = contextOptions();
    if (!options.definitions && !options.imports) return Promise.resolve([]);
    return this.languageContext.gather(document, position, options);
  }

  /**
   * Sends the document's context: what `lookup` has found by then (waiting up to `manualContextWaitMs` for it
   * when `mayWait` and the document has no context yet), else what the last lookup found.
   */
  async send(document: vscode.TextDocument, lookup: ContextLookup | undefined, mayWait: boolean): Promise<void> {
    const uri = document.uri.toString();
    const waitMs = mayWait && !this.languageContext.hasContext(uri) ? manualContextWaitMs : 0;
    // Sent with every engine request (a notification is cheap next to it), so a restarted sidecar has it too.
    const snippets = await this.languageContext.ready(uri, lookup, waitMs);
    await this.sendToSidecar({ uri, version: document.version, snippets });
  }

  forget(uri: string): void {
    this.languageContext.forget(uri);
  }

  dispose(): void {
    this.selectionChanges.dispose();
    clearTimeout(this.restingTimer);
  }
}

function contextOptions(): LanguageContextOptions {
  return {
    definitions: userValue('rook.completion', 'context.definitions', true),
    imports: userValue('rook.completion', 'context.imports', true),
  };
}
