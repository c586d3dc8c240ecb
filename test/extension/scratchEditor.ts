/** A throw-away TypeScript file in the workspace, shown in an editor, for driving inline completions. */
import * as vscode from 'vscode';

export interface ScratchEditor {
  editor: vscode.TextEditor;
  dispose(): Promise<void>;
}

export async function openScratchEditor(name: string, content: string): Promise<ScratchEditor> {
  const folder = vscode.workspace.workspaceFolders?.[0];
  if (!folder) throw new Error('the extension-host suites need a workspace folder');
  const uri = vscode.Uri.joinPath(folder.uri, name);
  await vscode.workspace.fs.writeFile(uri, new TextEncoder().encode(content));
  const document = await vscode.workspace.openTextDocument(uri);
  const editor = await vscode.window.showTextDocument(document);
  const end = document.lineAt(document.lineCount - 1).range.end;
  editor.selection = new vscode.Selection(end, end);
  return {
    editor,
    dispose: async () => {
      await vscode.commands.executeCommand('workbench.action.revertAndCloseActiveEditor');
      await vscode.workspace.fs.delete(uri);
    },
  };
}

/**
 * Triggers inline suggestions and accepts the first one. The extension API cannot read ghost text, so the
 * proof that a completion was provided is the editor's own accept command changing the document.
 * Returns the document text after acceptance.
 */
export async function acceptInlineCompletion(editor: vscode.TextEditor, timeoutMs: number): Promise<string> {
  const before = editor.document.getText();
  const deadline = Date.now() + timeoutMs;
  while (Date.now() < deadline) {
    await vscode.commands.executeCommand('editor.action.inlineSuggest.trigger');
    await new Promise((resolve) => setTimeout(resolve, 500));
    await vscode.commands.executeCommand('editor.action.inlineSuggest.commit');
    const after = editor.document.getText();
    if (after !== before) return after;
  }
  throw new Error(`no inline completion was provided within ${timeoutMs / 1000} s`);
}
