/** Registers the refactor commands (Edit Selection, Explain, Generate Tests, Add Docs, Fix, Commit Message). */
import * as vscode from 'vscode';
import type { ChatView } from '../chat/chatView';
import type { SidecarConnection } from '../sidecar/connection';
import { addDocs } from './addDocs';
import { generateCommitMessage } from './commitMessage';
import type { EditReview } from './editReview';
import { editSelection } from './editSelection';
import { explainSelection } from './explain';
import { fixCommand, fixDiagnostic, fixProvider } from './fixDiagnostic';
import { generateTests } from './generateTests';

export function registerRefactorCommands(
  sidecar: SidecarConnection,
  log: vscode.LogOutputChannel,
  chat: Pick<ChatView, 'ask'>,
  review: EditReview,
): vscode.Disposable {
  return vscode.Disposable.from(
    vscode.commands.registerCommand('rook.editSelection', (instruction?: string) => editSelection(review, sidecar, instruction)),
    vscode.commands.registerCommand('rook.addDocs', () => addDocs(review, sidecar)),
    vscode.commands.registerCommand(fixCommand, (uri: vscode.Uri, diagnostic: vscode.Diagnostic) => fixDiagnostic(review, sidecar, uri, diagnostic)),
    vscode.languages.registerCodeActionsProvider('*', fixProvider, { providedCodeActionKinds: [vscode.CodeActionKind.QuickFix] }),
    vscode.commands.registerCommand('rook.explainSelection', () => explainSelection(chat)),
    vscode.commands.registerCommand('rook.generateTests', () => generateTests(sidecar, log)),
    vscode.commands.registerCommand('rook.generateCommitMessage', (sourceControl?: { rootUri?: vscode.Uri }) => generateCommitMessage(sidecar, log, sourceControl)),
  );
}
