/**
 * "Rook: Add Docs": a doc comment for the selection, or for the function (class, method…) around the
 * cursor, proposed as an edit through the same review as Edit Selection.
 */
import * as vscode from 'vscode';
import type { SidecarConnection } from '../sidecar/connection';
import type { EditReview } from './editReview';
import { rewriteRange, wholeLines } from './editSelection';
import { docsInstruction } from './refactorPrompts';

const documentedKinds = new Set([
  vscode.SymbolKind.Function,
  vscode.SymbolKind.Method,
  vscode.SymbolKind.Class,
  vscode.SymbolKind.Interface,
  vscode.SymbolKind.Constructor,
  vscode.SymbolKind.Enum,
]);

/** The innermost function-like symbol around `position`, from the language's symbol provider. */
async function enclosingSymbol(document: vscode.TextDocument, position: vscode.Position): Promise<vscode.Range | undefined> {
  const symbols = await vscode.commands.executeCommand<vscode.DocumentSymbol[] | undefined>('vscode.executeDocumentSymbolProvider', document.uri);
  let found: vscode.Range | undefined;
  let level = (symbols ?? []).filter((symbol) => 'children' in symbol);
  for (;;) {
    const around = level.find((symbol) => symbol.range.contains(position));
    if (!around) return found;
    if (documentedKinds.has(around.kind)) found = around.range;
    level = around.children;
  }
}

export async function addDocs(review: EditReview, sidecar: SidecarConnection): Promise<boolean> {
  const editor = vscode.window.activeTextEditor;
  if (!editor) return false;
  const { document, selection } = editor;
  const target = selection.isEmpty ? ((await enclosingSymbol(document, selection.active)) ?? selection) : selection;
  return rewriteRange(review, sidecar, { document, range: wholeLines(document, target), instruction: docsInstruction(document.languageId), title: 'Rook: Add Docs' });
}
