/**
 * **Rook: Compare Models on This Workspace**: asks the sidecar (`rook/compareModels`) to compare the embedded model
 * with the configured engine on completion cases cut from a workspace folder's files, skipping the user's
 * `rook.completion.excludeGlobs` (user scope, as for completions). The sidecar's work-done progress shows in a
 * cancellable notification; the table opens in a webview panel without scripts (`comparePage.ts`), reused by the
 * next run. A cancelled run still shows the cases it ran.
 */
import { randomBytes } from 'node:crypto';
import * as vscode from 'vscode';
import type { Comparison } from '../../server/protocol/contract';
import { excludeGlobs } from '../completion/excludedDocuments';
import type { SidecarConnection } from '../sidecar/connection';
import { renderComparePage } from './comparePage';

export const compareCommandId = 'rook.compareModels';

async function pickFolder(): Promise<vscode.WorkspaceFolder | undefined> {
  const folders = (vscode.workspace.workspaceFolders ?? []).filter((folder) => folder.uri.scheme === 'file');
  if (folders.length <= 1) return folders[0];
  return vscode.window.showWorkspaceFolderPick({ placeHolder: 'The folder whose code the models are compared on' });
}

class ComparePanel {
  private panel: vscode.WebviewPanel | undefined;

  show(comparison: Comparison, folderName: string): void {
    if (!this.panel) {
      // No scripts and no local resources: the page is one table and its style.
      this.panel = vscode.window.createWebviewPanel('rook.comparison', 'Rook: Models Compared', vscode.ViewColumn.Active, { enableScripts: false, localResourceRoots: [] });
      this.panel.onDidDispose(() => (this.panel = undefined));
    }
    this.panel.title = `Rook: Models Compared on ${folderName}`;
    this.panel.webview.html = renderComparePage(comparison, folderName, randomBytes(16).toString('base64'));
    this.panel.reveal();
  }

  dispose(): void {
    this.panel?.dispose();
  }
}

export function registerCompareCommand(sidecar: SidecarConnection, log: vscode.LogOutputChannel): vscode.Disposable {
  const panel = new ComparePanel();
  const command = vscode.commands.registerCommand(compareCommandId, async () => {
    const folder = await pickFolder();
    if (!folder) {
      if (!vscode.workspace.workspaceFolders?.length) void vscode.window.showWarningMessage('Rook: open a folder first; the models are compared on its code.');
      return;
    }
    try {
      const comparison = await vscode.window.withProgress(
        { location: vscode.ProgressLocation.Notification, title: 'Rook: comparing models', cancellable: true },
        async (progress, token) => {
          let shown = 0;
          return sidecar.compareModels(
            { root: folder.uri.fsPath, excludeGlobs: [...excludeGlobs()] },
            ({ percentage, message }) => {
              const increment = percentage === undefined ? undefined : Math.max(0, percentage - shown);
              if (percentage !== undefined) shown = Math.max(shown, percentage);
              progress.report({ message, increment });
            },
            token,
          );
        },
      );
      if (!comparison) return;
      log.info(`Compared ${comparison.candidates.length} models on ${comparison.lineCases + comparison.infillCases} cases from ${folder.name}${comparison.cancelled ? ' (cancelled)' : ''}.`);
      panel.show(comparison, folder.name);
    } catch (error) {
      const message = (error as Error).message ?? String(error);
      log.error(`Comparing models: ${message}`);
      void vscode.window.showErrorMessage(`Rook could not compare models: ${message}`);
    }
  });
  return vscode.Disposable.from(command, panel);
}
