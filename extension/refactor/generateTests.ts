/**
 * "Rook: Generate Tests": a test file for the active file, written beside it in the framework the
 * project already uses. Created by one WorkspaceEdit, so Undo removes it again; an existing file is
 * never overwritten.
 */
import * as vscode from 'vscode';
import type { SidecarConnection } from '../sidecar/connection';
import { generateWithProgress } from './generation';
import { detectTestFramework, testFilePath } from './testFramework';

/** The text of the package.json nearest to `uri`, looking no higher than its workspace folder. */
async function nearestPackageJson(uri: vscode.Uri): Promise<string | undefined> {
  const root = vscode.workspace.getWorkspaceFolder(uri)?.uri;
  let folder = vscode.Uri.joinPath(uri, '..');
  for (;;) {
    try {
      return new TextDecoder().decode(await vscode.workspace.fs.readFile(vscode.Uri.joinPath(folder, 'package.json')));
    } catch {
      // None here; try the parent folder.
    }
    const parent = vscode.Uri.joinPath(folder, '..');
    if (!root || folder.path === root.path || parent.path === folder.path) return undefined;
    folder = parent;
  }
}

async function exists(uri: vscode.Uri): Promise<boolean> {
  try {
    await vscode.workspace.fs.stat(uri);
    return true;
  } catch {
    return false;
  }
}

/** Resolves to the new test file, or undefined when none was written. */
export async function generateTests(sidecar: SidecarConnection, log: vscode.LogOutputChannel): Promise<vscode.Uri | undefined> {
  const source = vscode.window.activeTextEditor?.document;
  if (!source || source.isUntitled) {
    void vscode.window.showInformationMessage('Open the saved source file you want tests for first.');
    return undefined;
  }
  const framework = detectTestFramework(source.languageId, await nearestPackageJson(source.uri));
  const testUri = source.uri.with({ path: testFilePath(source.uri.path, source.languageId) });
  if (await exists(testUri)) {
    void vscode.window.showWarningMessage(`Rook did not write tests: ${vscode.workspace.asRelativePath(testUri)} already exists.`);
    return undefined;
  }
  const title = `Rook: Generate Tests (${framework ?? source.languageId})`;
  const result = await generateWithProgress(
    title,
    (token) =>
      sidecar.edit(
        { uri: source.uri.toString(), languageId: source.languageId, original: source.getText(), instruction: '', task: 'tests', testFramework: framework },
        () => undefined,
        token,
      ),
    log,
  );
  if (!result) return undefined;
  const edit = new vscode.WorkspaceEdit();
  edit.createFile(testUri, { contents: new TextEncoder().encode(result.text) });
  if (!(await vscode.workspace.applyEdit(edit))) {
    void vscode.window.showErrorMessage(`Rook could not create ${vscode.workspace.asRelativePath(testUri)}.`);
    return undefined;
  }
  await vscode.window.showTextDocument(testUri);
  return testUri;
}
