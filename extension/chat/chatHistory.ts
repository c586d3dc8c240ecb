/**
 * The user-facing history actions on saved conversations: rename (VS Code's input box), delete (after a
 * confirmation) and export as Markdown (a save dialog, or a given file for scripts and tests).
 */
import * as vscode from 'vscode';
import { conversationToMarkdown } from './conversation';
import type { ConversationStore } from './conversationStore';

export class ChatHistory {
  constructor(readonly store: ConversationStore) {}

  /** Resolves true when the conversation was renamed. */
  async rename(id: string): Promise<boolean> {
    const conversation = this.store.get(id);
    if (!conversation) return false;
    const title = await vscode.window.showInputBox({ prompt: 'Rename the conversation', value: conversation.title });
    if (!title?.trim()) return false;
    await this.store.rename(id, title.trim());
    return true;
  }

  /** Resolves true when the conversation was deleted. */
  async delete(id: string): Promise<boolean> {
    const conversation = this.store.get(id);
    if (!conversation) return false;
    const choice = await vscode.window.showWarningMessage(`Delete the conversation "${conversation.title}"?`, { modal: true }, 'Delete');
    if (choice !== 'Delete') return false;
    await this.store.delete(id);
    return true;
  }

  /** Writes the conversation as Markdown to `target`, or where the user chooses; resolves to the file written. */
  async exportMarkdown(id: string, target?: vscode.Uri): Promise<vscode.Uri | undefined> {
    const conversation = this.store.get(id);
    if (!conversation) {
      void vscode.window.showInformationMessage('Rook: this conversation has nothing to export yet.');
      return undefined;
    }
    const file = target ?? (await vscode.window.showSaveDialog({ defaultUri: defaultExportUri(conversation.title), filters: { Markdown: ['md'] } }));
    if (!file) return undefined;
    await vscode.workspace.fs.writeFile(file, new TextEncoder().encode(conversationToMarkdown(conversation)));
    return file;
  }
}

/** `<title>.md` in the first workspace folder, the title made safe as a file name. */
function defaultExportUri(title: string): vscode.Uri | undefined {
  const folder = vscode.workspace.workspaceFolders?.[0]?.uri;
  const name = title.replace(/[^\w.-]+/g, '-').replace(/^-+|-+$/g, '') || 'conversation';
  return folder && vscode.Uri.joinPath(folder, `${name}.md`);
}
