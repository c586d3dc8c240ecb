/**
 * The workspace index in the real VS Code: a file written to the workspace (never opened, never imported, so neither
 * the open documents nor the language servers can bring it) reaches the sidecar through VS Code's file watcher, is
 * indexed, and a completion that uses a name it defines gets its chunk in the prompt. The scripted engine answers a
 * prompt carrying the chunk's marker with the marker's text, any other with its usual continuation: the accepted
 * text says what the prompt the sidecar built contained.
 */
import * as assert from 'node:assert/strict';
import * as vscode from 'vscode';
import { scriptedCompletion } from '../e2e/scriptedEngine';
import { rookApi } from './rook';
import { acceptInlineCompletion, openScratchEditor, type ScratchEditor } from './scratchEditor';

const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

describe('Rook workspace index', () => {
  let scratch: ScratchEditor | undefined;
  let helper: vscode.Uri | undefined;

  before(async () => {
    await (await rookApi()).waitForState('ready', 45_000);
  });

  after(async () => {
    await scratch?.dispose();
    if (helper) await vscode.workspace.fs.delete(helper);
  });

  it('gives a completion the chunk of an unopened file that defines the name being used', async () => {
    const api = await rookApi();
    const before = (await api.freshSidecarStatus())?.index;
    assert.ok(before && before.state !== 'off', `the index is ${JSON.stringify(before)}`);
    const folder = vscode.workspace.workspaceFolders![0].uri;
    helper = vscode.Uri.joinPath(folder, 'rookIndexProbe', 'vatRules.ts');
    const helperText = ['export function computeRookVatRate(country: string): number {', `  // ${scriptedCompletion('("DE");')}`, '  return 0.19;', '}', ''].join('\n');
    await vscode.workspace.fs.writeFile(helper, new TextEncoder().encode(helperText));
    const deadline = Date.now() + 60_000;
    for (let index: typeof before | undefined = before; !(index && index.state === 'ready' && index.files > before.files); index = (await api.freshSidecarStatus())?.index) {
      if (Date.now() > deadline) throw new Error(`the new file was not indexed within 60 s: ${JSON.stringify(index)}`);
      await sleep(300);
    }
    const prefix = 'const rate = computeRookVatRate';
    scratch = await openScratchEditor('rookIndexUser.ts', prefix);
    assert.equal(await acceptInlineCompletion(scratch.editor, 30_000), `${prefix}("DE");`);
  });
});
