/**
 * What the chat's code-block buttons do in the editor: Insert at the cursor, Apply to the file through the edit
 * review (a diff accepted or rejected hunk by hunk), and New File. Each change is one edit, so one Undo reverts it.
 */
import * as vscode from 'vscode';
import type { EditReview } from '../refactor/editReview';
import { languageIdOf } from './fenceLanguage';

/** Like a paste: replaces the selection, or inserts at the cursor when nothing is selected. */
export async function insertAtCursor(code: string): Promise<boolean> {
  const editor = vscode.window.activeTextEditor;
  if (!editor) {
    vscode.window.setStatusBarMessage('Rook: open an editor to insert the code into.', 5000);
    return false;
  }
  return editor.edit((edit) => edit.replace(editor.selection, code));
}

/** An untitled editor holding `code`, in the language the fence named when VS Code knows it. */
export async function openInNewFile(code: string, fenceLanguage: string): Promise<void> {
  const language = languageIdOf(fenceLanguage, await vscode.languages.getLanguages());
  const document = await vscode.workspace.openTextDocument({ content: code, language });
  await vscode.window.showTextDocument(document);
}

/**
 * Applying a code block: the block replaces the selection, or the whole file when nothing is selected, through
 * the same hunk-by-hunk review as Rook's refactor edits; the file changes only when the user accepts.
 */
export async function applyToFile(review: EditReview, code: string): Promise<boolean> {
  const editor = vscode.window.activeTextEditor;
  if (!editor) {
    vscode.window.setStatusBarMessage('Rook: open the file to apply the code to.', 5000);
    return false;
  }
  const { document } = editor;
  const range = editor.selection.isEmpty ? new vscode.Range(document.positionAt(0), document.positionAt(document.getText().length)) : editor.selection;
  return review.reviewReplacement(document, range, code, 'Rook: Apply from Chat');
}
