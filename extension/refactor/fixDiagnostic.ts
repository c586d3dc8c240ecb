/**
 * "Fix with Rook" as a quick fix on errors and warnings: rewrites the lines the diagnostic covers with its
 * message as the instruction, through the same review as Edit Selection.
 */
import * as vscode from 'vscode';
import type { SidecarConnection } from '../sidecar/connection';
import type { EditReview } from './editReview';
import { rewriteRange, wholeLines } from './editSelection';
import { fixInstruction } from './refactorPrompts';

export const fixCommand = 'rook.fixDiagnostic';

/** Long messages (type errors) would make an unreadable menu entry. */
const maxTitleChars = 60;

/** Hints and information (unused variables, spelling) would put Rook in every light bulb for little gain. */
const fixableSeverities = new Set([vscode.DiagnosticSeverity.Error, vscode.DiagnosticSeverity.Warning]);

export const fixProvider: vscode.CodeActionProvider = {
  provideCodeActions(document, _range, context) {
    return context.diagnostics.filter((diagnostic) => fixableSeverities.has(diagnostic.severity)).map((diagnostic) => {
      const summary = diagnostic.message.split('\n')[0];
      const shown = summary.length > maxTitleChars ? `${summary.slice(0, maxTitleChars - 1)}…` : summary;
      const action = new vscode.CodeAction(`Fix with Rook: ${shown}`, vscode.CodeActionKind.QuickFix);
      action.diagnostics = [diagnostic];
      action.command = { title: action.title, command: fixCommand, arguments: [document.uri, diagnostic] };
      return action;
    });
  },
};

export async function fixDiagnostic(review: EditReview, sidecar: SidecarConnection, uri: vscode.Uri, diagnostic: vscode.Diagnostic): Promise<boolean> {
  const document = await vscode.workspace.openTextDocument(uri);
  const instruction = fixInstruction({ message: diagnostic.message, source: diagnostic.source, line: diagnostic.range.start.line + 1 });
  return rewriteRange(review, sidecar, { document, range: wholeLines(document, diagnostic.range), instruction, title: 'Rook: Fix' });
}
