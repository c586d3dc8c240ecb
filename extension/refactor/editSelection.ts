/**
 * "Rook: Edit Selection…": rewrite the selection by instruction through the sidecar, show the
 * result as a diff, and apply it only on Accept and only if the document has not changed since the
 * request (a stale or partial edit is never applied). Accept and Reject are commands too
 * (`rook.acceptEdit`, `rook.rejectEdit`), so keybindings and tests can use them.
 */
import * as vscode from 'vscode';
import type { SidecarConnection } from '../sidecar/connection';

const proposalScheme = 'rook-proposal';

interface PendingEdit {
  document: vscode.TextDocument;
  version: number;
  range: vscode.Range;
  replacement: string;
  proposalUri: vscode.Uri;
}

export function registerEditSelection(sidecar: SidecarConnection, log: vscode.LogOutputChannel): vscode.Disposable {
  const proposals = new Map<string, string>();
  const changed = new vscode.EventEmitter<vscode.Uri>();
  let pending: PendingEdit | undefined;

  const provider: vscode.TextDocumentContentProvider = {
    onDidChange: changed.event,
    provideTextDocumentContent: (uri) => proposals.get(uri.toString()) ?? '',
  };

  const closeProposal = async (edit: PendingEdit) => {
    for (const tab of vscode.window.tabGroups.all.flatMap((group) => group.tabs)) {
      const input = tab.input;
      if (input instanceof vscode.TabInputTextDiff && input.modified.toString() === edit.proposalUri.toString()) {
        await vscode.window.tabGroups.close(tab);
      }
    }
    proposals.delete(edit.proposalUri.toString());
  };

  const accept = async (): Promise<boolean> => {
    const edit = pending;
    pending = undefined;
    if (!edit) return false;
    await closeProposal(edit);
    if (edit.document.version !== edit.version) {
      void vscode.window.showWarningMessage('Rook did not apply the edit: the document changed after it was requested.');
      return false;
    }
    const workspaceEdit = new vscode.WorkspaceEdit();
    workspaceEdit.replace(edit.document.uri, edit.range, edit.replacement);
    return vscode.workspace.applyEdit(workspaceEdit);
  };

  const reject = async (): Promise<void> => {
    const edit = pending;
    pending = undefined;
    if (edit) await closeProposal(edit);
  };

  const editSelection = async (instructionArg?: string): Promise<boolean> => {
    const editor = vscode.window.activeTextEditor;
    if (!editor || editor.selection.isEmpty) {
      void vscode.window.showInformationMessage('Select the code you want Rook to edit first.');
      return false;
    }
    const instruction =
      instructionArg ?? (await vscode.window.showInputBox({ prompt: 'How should Rook change the selection?', placeHolder: 'e.g. convert to async/await' }));
    if (!instruction) return false;
    const document = editor.document;
    const range = new vscode.Range(editor.selection.start, editor.selection.end);
    const version = document.version;
    const original = document.getText(range);
    await reject();
    const result = await vscode.window.withProgress(
      { location: vscode.ProgressLocation.Notification, title: 'Rook is editing the selection…', cancellable: true },
      async (_progress, token) => {
        try {
          return await sidecar.edit({ uri: document.uri.toString(), languageId: document.languageId, original, instruction }, () => undefined, token);
        } catch (error) {
          log.error(`Edit failed: ${(error as Error).message}`);
          void vscode.window.showErrorMessage(`Rook could not edit the selection: ${(error as Error).message}`);
          return undefined;
        }
      },
    );
    if (!result || result.finishReason === 'cancelled') return false;
    if (document.version !== version) {
      void vscode.window.showWarningMessage('Rook discarded the edit: the document changed while it was being generated.');
      return false;
    }
    const proposalUri = vscode.Uri.from({ scheme: proposalScheme, path: document.uri.path, query: String(Date.now()) });
    const fullText = document.getText();
    const proposed = fullText.slice(0, document.offsetAt(range.start)) + result.text + fullText.slice(document.offsetAt(range.end));
    proposals.set(proposalUri.toString(), proposed);
    pending = { document, version, range, replacement: result.text, proposalUri };
    await vscode.commands.executeCommand('vscode.diff', document.uri, proposalUri, 'Rook: current ↔ proposed edit');
    void vscode.window.showInformationMessage('Apply Rook\'s edit?', 'Accept', 'Reject').then((choice) => {
      if (choice === 'Accept') void accept();
      else if (choice === 'Reject') void reject();
    });
    return true;
  };

  return vscode.Disposable.from(
    vscode.workspace.registerTextDocumentContentProvider(proposalScheme, provider),
    vscode.commands.registerCommand('rook.editSelection', editSelection),
    vscode.commands.registerCommand('rook.acceptEdit', accept),
    vscode.commands.registerCommand('rook.rejectEdit', reject),
    changed,
  );
}
