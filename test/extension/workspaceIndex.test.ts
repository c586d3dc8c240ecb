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

  it('gives a completion the chunk of an unopened file that defines the name being used', async function () {
    this.timeout(150_000);
    const api = await rookApi();
    const folder = vscode.workspace.workspaceFolders![0].uri;
    helper = vscode.Uri.joinPath(folder, 'rookIndexProbe', 'vatRules.ts');
    const helperText = ['export function computeRookVatRate(country: string): number {', `  // ${scriptedCompletion('("DE");')}`, '  return 0.19;', '}', ''].join('\n');
    await vscode.workspace.fs.writeFile(helper, new TextEncoder().encode(helperText));
    const prefix = 'const rate = computeRookVatRate';
    const expected = `${prefix}("DE");`;
    // The file reaches the index through VS Code's file watcher and a slice of indexing, moments after it is
    // written: a suggestion made before then (without the chunk) is undone and asked for again, for a while, in a
    // file of another name (Rook serves a suggestion asked for again at the same place from its cache).
    const seen: string[] = [];
    const retryUntil = Date.now() + 60_000;
    for (let attempt = 1; ; attempt++) {
      scratch = await openScratchEditor(`rookIndexUser${attempt}.ts`, prefix);
      const accepted = await acceptInlineCompletion(scratch.editor, 30_000);
      if (accepted === expected) break;
      seen.push(accepted);
      await scratch.dispose();
      scratch = undefined;
      if (Date.now() > retryUntil) {
        const index = (await api.freshSidecarStatus())?.index;
        assert.fail(`no completion carried the chunk within 60 s; the index is ${JSON.stringify(index)}; accepted: ${JSON.stringify(seen.slice(-3))}`);
      }
      await sleep(1000);
    }
    assert.equal(scratch.editor.document.getText(), expected);
  });
});
