/**
 * "Rook: Generate Commit Message": writes a message for the staged changes into the Source Control
 * input box, through the built-in git extension's API. The message streams into the box; a failed or
 * cancelled generation puts back what was there.
 */
import * as vscode from 'vscode';
import type { SidecarConnection } from '../sidecar/connection';
import { generateWithProgress } from './generation';

/** The part of the git extension's API (`vscode.git`, version 1) used here. */
interface GitRepository {
  readonly rootUri: vscode.Uri;
  readonly inputBox: { value: string };
  diff(cached?: boolean): Promise<string>;
}

interface GitApi {
  readonly repositories: GitRepository[];
  getRepository(uri: vscode.Uri): GitRepository | null;
}

async function gitApi(): Promise<GitApi | undefined> {
  const extension = vscode.extensions.getExtension<{ getAPI(version: 1): GitApi }>('vscode.git');
  if (!extension) return undefined;
  const exports = extension.isActive ? extension.exports : await extension.activate();
  return exports.getAPI(1);
}

/**
 * The repository meant: the one whose Source Control title bar ran the command (`sourceControl`), else the
 * one holding the active file, else the only one.
 */
function pickRepository(git: GitApi, sourceControl: { rootUri?: vscode.Uri } | undefined): GitRepository | undefined {
  const near = sourceControl?.rootUri ?? vscode.window.activeTextEditor?.document.uri;
  return (near && git.getRepository(near)) || (git.repositories.length === 1 ? git.repositories[0] : undefined);
}

/** Resolves to the message written into the input box, or undefined when none was. */
export async function generateCommitMessage(
  sidecar: SidecarConnection,
  log: vscode.LogOutputChannel,
  sourceControl?: { rootUri?: vscode.Uri },
): Promise<string | undefined> {
  const git = await gitApi();
  if (!git) {
    void vscode.window.showWarningMessage('Rook needs the built-in Git extension to write commit messages; it is disabled or missing.');
    return undefined;
  }
  const repository = pickRepository(git, sourceControl);
  if (!repository) {
    void vscode.window.showInformationMessage('Open a file of the repository you want a commit message for, or run this from its Source Control view.');
    return undefined;
  }
  const diff = await repository.diff(true);
  if (diff.trim() === '') {
    void vscode.window.showInformationMessage('Nothing is staged: stage the changes you want a commit message for first.');
    return undefined;
  }
  const previous = repository.inputBox.value;
  let streamed = '';
  const result = await generateWithProgress(
    'Rook: Generate Commit Message',
    (token) =>
      sidecar.edit(
        { uri: repository.rootUri.toString(), languageId: 'diff', original: diff, instruction: '', task: 'commitMessage' },
        (delta) => {
          streamed += delta;
          repository.inputBox.value = streamed;
        },
        token,
      ),
    log,
  );
  repository.inputBox.value = result ? result.text : previous;
  return result?.text;
}
