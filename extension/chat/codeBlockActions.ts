/**
 * What the chat's code-block buttons do in the editor: Insert at the cursor, Apply to the file through a diff
 * the user accepts or rejects, and New File. Each change is one edit, so one Undo reverts it.
 */
import * as vscode from 'vscode';
import { languageIdOf } from './fenceLanguage';

const proposalScheme = 'rook-chat-apply';

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
 * Applying a code block: the block replaces the selection, or the whole file when nothing is selected. The
 * result is shown as a diff against the file; the file changes only when the user chooses Apply, and not
 * at all if it was edited meanwhile (the diff would no longer show what is applied).
 */
export class ApplyToFile implements vscode.Disposable {
  private readonly proposals = new Map<string, string>();
  private readonly provider: vscode.Disposable;
  private count = 0;

  constructor() {
    this.provider = vscode.workspace.registerTextDocumentContentProvider(proposalScheme, {
      provideTextDocumentContent: (uri) => this.proposals.get(uri.toString()) ?? '',
    });
  }

  dispose(): void {
    this.provider.dispose();
  }

  /** Resolves true when the user applied the block. */
  async apply(code: string): Promise<boolean> {
    const editor = vscode.window.activeTextEditor;
    if (!editor) {
      vscode.window.setStatusBarMessage('Rook: open the file to apply the code to.', 5000);
      return false;
    }
    const { document } = editor;
    const range = editor.selection.isEmpty ? fullRange(document) : editor.selection;
    const version = document.version;
    const text = document.getText();
    const proposed = text.slice(0, document.offsetAt(range.start)) + code + text.slice(document.offsetAt(range.end));
    const proposalUri = vscode.Uri.from({ scheme: proposalScheme, path: document.uri.path, query: String(++this.count) });
    this.proposals.set(proposalUri.toString(), proposed);
    try {
      const name = document.uri.path.split('/').pop();
      await vscode.commands.executeCommand('vscode.diff', document.uri, proposalUri, `${name}: current ↔ with the code from chat`);
      const choice = await vscode.window.showInformationMessage(`Apply the code from chat to ${name}?`, 'Apply', 'Discard');
      if (choice !== 'Apply') return false;
      if (document.version !== version) {
        void vscode.window.showWarningMessage(`${name} changed since the diff was shown; nothing was applied.`);
        return false;
      }
      const edit = new vscode.WorkspaceEdit();
      edit.replace(document.uri, range, code);
      return vscode.workspace.applyEdit(edit);
    } finally {
      this.proposals.delete(proposalUri.toString());
      await closeTabsOf(proposalUri);
    }
  }
}

function fullRange(document: vscode.TextDocument): vscode.Range {
  return new vscode.Range(document.positionAt(0), document.positionAt(document.getText().length));
}

async function closeTabsOf(uri: vscode.Uri): Promise<void> {
  const tabs = vscode.window.tabGroups.all
    .flatMap((group) => group.tabs)
    .filter((tab) => tab.input instanceof vscode.TabInputTextDiff && tab.input.modified.toString() === uri.toString());
  await vscode.window.tabGroups.close(tabs);
}
