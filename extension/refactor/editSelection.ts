/**
 * "Rook: Edit Selection…": rewrites the selection by an instruction, reviewed hunk by hunk in a diff
 * (see `editReview.ts`). `rewriteRange` is the same flow for the commands that rewrite by a fixed
 * instruction (Add Docs, Fix).
 */
import * as vscode from 'vscode';
import type { SidecarConnection } from '../sidecar/connection';
import type { EditReview } from './editReview';

export interface RewriteTarget {
  document: vscode.TextDocument;
  range: vscode.Range;
  instruction: string;
  title: string;
}

/** The lines `range` touches, with their line break, so a rewrite sees whole statements. */
export function wholeLines(document: vscode.TextDocument, range: vscode.Range): vscode.Range {
  const last = range.end.line;
  return last + 1 < document.lineCount
    ? new vscode.Range(range.start.line, 0, last + 1, 0)
    : new vscode.Range(range.start.line, 0, last, document.lineAt(last).text.length);
}

/** Resolves to true once a proposal is ready for review. */
export function rewriteRange(review: EditReview, sidecar: SidecarConnection, target: RewriteTarget): Promise<boolean> {
  const { document, range, instruction, title } = target;
  return review.propose({
    document,
    range,
    title,
    generate: (onDelta, token) =>
      sidecar.edit({ uri: document.uri.toString(), languageId: document.languageId, original: document.getText(range), instruction }, onDelta, token),
  });
}

/** The command; `instruction` is for keybindings and tests, the user is asked otherwise. */
export async function editSelection(review: EditReview, sidecar: SidecarConnection, instruction?: string): Promise<boolean> {
  const editor = vscode.window.activeTextEditor;
  if (!editor || editor.selection.isEmpty) {
    void vscode.window.showInformationMessage('Select the code you want Rook to edit first.');
    return false;
  }
  const asked =
    instruction ?? (await vscode.window.showInputBox({ prompt: 'How should Rook change the selection?', placeHolder: 'e.g. convert to async/await' }));
  if (!asked) return false;
  return rewriteRange(review, sidecar, { document: editor.document, range: editor.selection, instruction: asked, title: 'Rook: Edit Selection' });
}
