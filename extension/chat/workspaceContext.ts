/**
 * Gathers the workspace context for a chat question from VS Code: the active editor's selection, the
 * files mentioned as `@path`, the chunks the sidecar's workspace index finds for `@codebase` (or `@folder:PATH`),
 * the active file's problems and the active file itself, in that order of importance, cut to the context budget.
 * Only files inside the workspace folders are read: a mention cannot reach outside them, and a file opened from
 * elsewhere is not sent unless the user selects code in it.
 */
import * as vscode from 'vscode';
import type { SearchCodebaseParams, SearchCodebaseResult } from '../../server/protocol/contract';
import { codebaseQuery, contextBudgetTokens, fitToBudget, isInsideWorkspacePath, mentionedPaths, type ContextPiece } from './contextPrompt';

/** Asks the sidecar's workspace index (`rook/searchCodebase`). */
export type CodebaseSearch = (params: SearchCodebaseParams) => Promise<SearchCodebaseResult>;

/** Larger files are not read for a mention: they would not fit the budget anyway. */
const maxMentionBytes = 512 * 1024;
const maxFileSuggestions = 20;

export async function gatherContext(question: string, search?: CodebaseSearch): Promise<ContextPiece[]> {
  const editor = vscode.window.activeTextEditor;
  const pieces: ContextPiece[] = [];
  const document = editor?.document;
  if (editor && document && !editor.selection.isEmpty) {
    const { start, end } = editor.selection;
    pieces.push({ kind: 'selection', label: `${label(document.uri)}:${start.line + 1}-${end.line + 1}`, language: document.languageId, text: document.getText(editor.selection) });
  }
  const mentioned = await mentionedFiles(question);
  pieces.push(...mentioned);
  if (search) pieces.push(...(await codebasePieces(question, search)));
  if (document && isWorkspaceDocument(document)) {
    const problems = vscode.languages.getDiagnostics(document.uri).map(describeProblem);
    if (problems.length > 0) pieces.push({ kind: 'problems', label: label(document.uri), language: '', text: problems.join('\n') });
    // A mentioned file is in the context already.
    if (!mentioned.some((piece) => piece.label === label(document.uri))) {
      pieces.push({ kind: 'file', label: label(document.uri), language: document.languageId, text: document.getText() });
    }
  }
  return fitToBudget(pieces, contextBudgetTokens);
}

/** Workspace files whose path contains `query`, for completing an `@` mention; workspace-relative. */
export async function suggestFiles(query: string): Promise<string[]> {
  const pattern = `**/*${query.replace(/[[\]{}*?!]/g, '')}*`;
  const files = await vscode.workspace.findFiles(pattern, '**/{node_modules,.git}/**', maxFileSuggestions);
  return files.map((uri) => vscode.workspace.asRelativePath(uri, false)).sort();
}

function label(uri: vscode.Uri): string {
  return uri.scheme === 'untitled' ? uri.path : vscode.workspace.asRelativePath(uri, false);
}

function isWorkspaceDocument(document: vscode.TextDocument): boolean {
  return document.uri.scheme === 'untitled' || vscode.workspace.getWorkspaceFolder(document.uri) !== undefined;
}

function describeProblem(diagnostic: vscode.Diagnostic): string {
  const severity = ['error', 'warning', 'info', 'hint'][diagnostic.severity];
  return `line ${diagnostic.range.start.line + 1}: ${severity}: ${diagnostic.message}`;
}

/** The index's chunks for a question with `@codebase` or `@folder:PATH`; none while the sidecar cannot answer. */
async function codebasePieces(question: string, search: CodebaseSearch): Promise<ContextPiece[]> {
  const asked = codebaseQuery(question);
  if (!asked) return [];
  const found = await search({ query: asked.query, within: asked.within }).catch(() => undefined);
  return (found?.chunks ?? []).map((chunk) => {
    const label = `${vscode.workspace.asRelativePath(vscode.Uri.parse(chunk.uri), false)}:${chunk.firstLine + 1}-${chunk.lastLine + 1}`;
    const language = chunk.path.slice(chunk.path.lastIndexOf('.') + 1);
    return { kind: 'codebase', label, language, text: chunk.text, source: { uri: chunk.uri, firstLine: chunk.firstLine, lastLine: chunk.lastLine } };
  });
}

async function mentionedFiles(question: string): Promise<ContextPiece[]> {
  const pieces: ContextPiece[] = [];
  for (const path of mentionedPaths(question).filter(isInsideWorkspacePath)) {
    for (const folder of vscode.workspace.workspaceFolders ?? []) {
      const uri = vscode.Uri.joinPath(folder.uri, path);
      const stat = await Promise.resolve(vscode.workspace.fs.stat(uri)).catch(() => undefined);
      if (stat?.type !== vscode.FileType.File || stat.size > maxMentionBytes) continue;
      // VS Code refuses to open a binary file as text: such a mention adds nothing (the context line shows it missing).
      const document = await Promise.resolve(vscode.workspace.openTextDocument(uri)).catch(() => undefined);
      if (!document) continue;
      pieces.push({ kind: 'mention', label: path, language: document.languageId, text: document.getText() });
      break;
    }
  }
  return pieces;
}
