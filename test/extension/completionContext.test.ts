/**
 * Completion context from VS Code's own language servers: the built-in TypeScript features resolve a
 * function used at the cursor to its definition in another workspace file, and that definition reaches
 * the prompt the engine receives. The scripted engine answers a prompt that carries the definition's
 * marker with the marker's text, and any other with its usual continuation.
 */
import * as assert from 'node:assert/strict';
import * as vscode from 'vscode';
import { scriptedCompletion } from '../e2e/scriptedEngine';
import { rookApi } from './rook';
import { acceptInlineCompletion, openScratchEditor, type ScratchEditor } from './scratchEditor';

const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

/**
 * Asks the TypeScript features where `position` is defined until they name `expected` (they start with the
 * first TS file, and see a file written behind their back only once their watcher reports it; until then
 * an imported name resolves to its own import line).
 */
async function waitForDefinitionIn(expected: vscode.Uri, uri: vscode.Uri, position: vscode.Position, timeoutMs: number): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  let seen = 'nothing';
  while (Date.now() < deadline) {
    const found = await vscode.commands.executeCommand<(vscode.Location | vscode.LocationLink)[]>('vscode.executeDefinitionProvider', uri, position);
    const first = found?.[0];
    seen = first ? ('targetUri' in first ? first.targetUri : first.uri).toString() : 'nothing';
    if (seen === expected.toString()) return;
    await sleep(500);
  }
  throw new Error(`the TypeScript language features did not resolve the name to ${expected.toString()} within ${timeoutMs / 1000} s; last answer: ${seen}`);
}

describe('Rook completion context from language servers', () => {
  let scratch: ScratchEditor | undefined;
  let helper: vscode.Uri | undefined;

  before(async () => {
    await (await rookApi()).waitForState('ready', 45_000);
  });

  afterEach(async () => {
    await scratch?.dispose();
    scratch = undefined;
    if (helper) await vscode.workspace.fs.delete(helper);
    helper = undefined;
  });

  it('puts the definition of a function the cursor uses, from another file, into the prompt', async () => {
    const folder = vscode.workspace.workspaceFolders![0].uri;
    helper = vscode.Uri.joinPath(folder, 'rookProbeHelper.ts');
    // The marker sits in the body, so only the definition (signature and first lines) carries it; the
    // import's exported signatures hold the first line alone.
    const helperText = [
      'export function describeRookProbe(count: number): string {',
      `  // ${scriptedCompletion('(3);')}`,
      '  return `${count} probes`;',
      '}',
      '',
    ].join('\n');
    await vscode.workspace.fs.writeFile(helper, new TextEncoder().encode(helperText));
    // The cursor is on line 1: the similarity snippets compare the lines above a block of 8, none here,
    // so only the language-server context can bring the helper's text into the prompt.
    const prefix = "import { describeRookProbe } from './rookProbeHelper';\nconst label = describeRookProbe";
    scratch = await openScratchEditor('rookProbeUser.ts', prefix);

    await waitForDefinitionIn(helper, scratch.editor.document.uri, new vscode.Position(1, 'const label = '.length + 3), 60_000);
    await vscode.commands.executeCommand('vscode.executeDocumentSymbolProvider', helper);

    assert.equal(await acceptInlineCompletion(scratch.editor, 30_000), `${prefix}(3);`);
  });
});
