/**
 * The saved conversations as the chat view uses them: which one is open, keeping each exchange, and
 * the user-facing history actions: rename (VS Code's input box), delete (after a confirmation) and
 * export as Markdown (a save dialog, or a given file for scripts and tests).
 */
import * as vscode from 'vscode';
import { conversationToMarkdown, type Conversation, type ConversationSummary } from './conversation';
import type { ConversationStore } from './conversationStore';

export class ChatHistory {
  constructor(private readonly store: ConversationStore) {}

  /** Most recently updated first. */
  list(): ConversationSummary[] {
    return this.store.list();
  }

  /** A copy of the saved conversation, for a session to continue. */
  get(id: string): Conversation | undefined {
    return this.store.get(id);
  }

  /** A copy of the conversation open last, so a new page (a reload, a restart) continues it. */
  lastOpen(): Conversation | undefined {
    const id = this.store.activeId;
    return id === undefined ? undefined : this.store.get(id);
  }

  /** Remembers which conversation is open; `undefined` for a new one not saved yet. */
  async setOpen(id: string | undefined): Promise<void> {
    await this.store.setActive(id);
  }

  async save(conversation: Conversation): Promise<void> {
    await this.store.save(conversation);
  }

  /** Resolves to the new title, or undefined when the conversation was not renamed. */
  async rename(id: string): Promise<string | undefined> {
    const conversation = this.store.get(id);
    if (!conversation) return undefined;
    const title = (await vscode.window.showInputBox({ prompt: 'Rename the conversation', value: conversation.title }))?.trim();
    if (!title) return undefined;
    await this.store.rename(id, title);
    return title;
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
