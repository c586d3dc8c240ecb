/** "Rook: Explain": asks about the selection in the chat view, where the answer streams and follow-ups work. */
import * as vscode from 'vscode';
import type { ChatView } from '../chat/chatView';
import { explainQuestion } from './refactorPrompts';

/** Resolves to true once the answer has ended in the chat view. */
export async function explainSelection(chat: Pick<ChatView, 'ask'>): Promise<boolean> {
  const editor = vscode.window.activeTextEditor;
  if (!editor || editor.selection.isEmpty) {
    void vscode.window.showInformationMessage('Select the code you want Rook to explain first.');
    return false;
  }
  const { document, selection } = editor;
  const question = explainQuestion(vscode.workspace.asRelativePath(document.uri), selection.start.line + 1, document.languageId, document.getText(selection));
  if (await chat.ask(question)) return true;
  void vscode.window.showInformationMessage('Rook is still answering in the chat; stop that answer or wait for it, then ask again.');
  return false;
}
