/**
 * Documents kept from the sidecar (`rook.completion.excludeGlobs`): the language client's document sync
 * leaves them out, so they are never completed and never context for another file.
 */
import * as vscode from 'vscode';
import type { Middleware } from 'vscode-languageclient/node';
import { defaultExcludeGlobs } from '../../server/protocol/contract';
import { userValue } from '../settings';

/** The user's `rook.completion.excludeGlobs` (user scope only); by default, secrets and keys. */
export function excludeGlobs(): readonly string[] {
  return userValue<readonly string[]>('rook.completion', 'excludeGlobs', defaultExcludeGlobs);
}

/** Whether the user's exclude globs match `document` (open or not). */
export function matchesExcludeGlobs(document: vscode.TextDocument): boolean {
  return excludeGlobs().some((pattern) => vscode.languages.match({ pattern }, document) > 0);
}

export class ExcludedDocuments {
  /** Decided when a document opens, so its later edits and its close are treated alike even if the globs change. */
  private readonly uris = new Set<string>();

  has(document: vscode.TextDocument): boolean {
    return this.uris.has(document.uri.toString());
  }

  /** Document sync without the excluded documents; `closed` hears of every document closed, excluded or not. */
  syncMiddleware(closed: (uri: string) => void): Pick<Middleware, 'didOpen' | 'didChange' | 'didClose'> {
    return {
      didOpen: (document, next) => {
        if (!matchesExcludeGlobs(document)) return next(document);
        this.uris.add(document.uri.toString());
        return Promise.resolve();
      },
      didChange: (event, next) => (this.has(event.document) ? Promise.resolve() : next(event)),
      didClose: (document, next) => {
        closed(document.uri.toString());
        if (this.uris.delete(document.uri.toString())) return Promise.resolve();
        return next(document);
      },
    };
  }
}
