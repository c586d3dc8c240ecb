/**
 * The refactor commands end to end in the extension host: each asks the scripted engine for a reply it
 * names itself (`scriptedReply`, carried in the instruction, the code, the diagnostic or the staged diff)
 * and checks what lands in the document, the undo stack, the chat, the file system or the SCM input box.
 */
import * as assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import * as vscode from 'vscode';
import { scriptedFailure, scriptedReply } from '../e2e/scriptedEngine';
import { rookApi } from './rook';

const fenced = (code: string) => `\`\`\`ts\n${code}\n\`\`\``;

const workspaceRoot = () => {
  const folder = vscode.workspace.workspaceFolders?.[0];
  assert.ok(folder, 'the extension-host suites need a workspace folder');
  return folder.uri;
};

const created: vscode.Uri[] = [];

async function writeFile(relativePath: string, content: string): Promise<vscode.Uri> {
  const uri = vscode.Uri.joinPath(workspaceRoot(), relativePath);
  await vscode.workspace.fs.writeFile(uri, new TextEncoder().encode(content));
  created.push(uri);
  return uri;
}

async function openFile(relativePath: string, content: string): Promise<vscode.TextEditor> {
  const uri = await writeFile(relativePath, content);
  return vscode.window.showTextDocument(await vscode.workspace.openTextDocument(uri));
}

async function waitFor<T>(what: string, probe: () => T | undefined | Promise<T | undefined>, timeoutMs = 10_000): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const value = await probe();
    if (value) return value;
    if (Date.now() > deadline) throw new Error(`timed out after ${timeoutMs} ms waiting for ${what}`);
    await new Promise((resolve) => setTimeout(resolve, 50));
  }
}

/** The diff tab whose right side is Rook's proposal, if one is open. */
function proposalTab(): vscode.TabInputTextDiff | undefined {
  return vscode.window.tabGroups.all
    .flatMap((group) => group.tabs)
    .map((tab) => tab.input)
    .find((input): input is vscode.TabInputTextDiff => input instanceof vscode.TabInputTextDiff && input.modified.scheme === 'rook-proposal');
}

/** `sum` with two separate differences from its rewrite `add`: the name (line 1) and a `;` after the body (line 3). */
const header = '// header\n';
const sumFunction = 'function sum(a: number, b: number): number {\n  return a + b;\n}\n';
const footer = '// footer\n';
const original = header + sumFunction + footer;
const addFunction = 'function add(a: number, b: number): number {\n  return a + b;\n};';
const renameInstruction = `rename to add ${scriptedReply(fenced(addFunction))}`;

/** Opens the file above with its function selected as whole lines. */
async function openSum(name: string): Promise<vscode.TextEditor> {
  const editor = await openFile(name, original);
  editor.selection = new vscode.Selection(1, 0, 4, 0);
  return editor;
}

/** A rewrite that streams for several seconds, for edits and cancels while it streams. */
const slowRewrite = fenced(Array.from({ length: 60 }, (_, i) => `  const step${i} = ${i};`).join('\n'));

describe('Rook refactor commands', function () {
  this.timeout(60_000);

  before(async () => {
    const api = await rookApi();
    await api.waitForState('ready', 45_000);
  });

  afterEach(async () => {
    await vscode.commands.executeCommand('rook.rejectEdit');
    await vscode.workspace.saveAll(false);
    await vscode.commands.executeCommand('workbench.action.closeAllEditors');
    for (const uri of created.splice(0)) await vscode.workspace.fs.delete(uri, { recursive: true, useTrash: false });
  });

  describe('Edit Selection', () => {
    it('streams the rewrite into a diff, applies it on Accept, and one Undo restores the original exactly', async () => {
      const { document } = await openSum('refactor-accept.ts');
      assert.equal(await vscode.commands.executeCommand('rook.editSelection', renameInstruction), true);

      const tab = proposalTab();
      assert.ok(tab, 'a diff of the proposal is open');
      assert.equal(tab.original.toString(), document.uri.toString());
      // The diff's right side re-reads the proposal asynchronously after each change.
      const proposal = await vscode.workspace.openTextDocument(tab.modified);
      await waitFor('the finished proposal in the diff', () => proposal.getText() === `${header}${addFunction}\n${footer}`);
      assert.equal(document.getText(), original, 'nothing is applied before Accept');

      assert.equal(await vscode.commands.executeCommand('rook.acceptEdit'), true);
      assert.equal(document.getText(), `${header}${addFunction}\n${footer}`);
      assert.equal(proposalTab(), undefined, 'the diff is closed');

      await vscode.commands.executeCommand('undo');
      assert.equal(document.getText(), original);
    });

    it('accepts and rejects hunk by hunk, applying only the accepted one when all are decided', async () => {
      const { document } = await openSum('refactor-hunks.ts');
      assert.equal(await vscode.commands.executeCommand('rook.editSelection', renameInstruction), true);

      const proposalUri = proposalTab()?.modified;
      assert.ok(proposalUri);
      const lensesOnProposal = async () =>
        (await vscode.commands.executeCommand<vscode.CodeLens[]>('vscode.executeCodeLensProvider', proposalUri)).map(
          (lens) => `${lens.range.start.line} ${lens.command?.command} ${JSON.stringify(lens.command?.arguments ?? [])}`,
        );
      assert.deepEqual((await lensesOnProposal()).sort(), [
        '1 rook.acceptEdit []',
        '1 rook.acceptHunk [0]',
        '1 rook.rejectEdit []',
        '1 rook.rejectHunk [0]',
        '3 rook.acceptHunk [1]',
        '3 rook.rejectHunk [1]',
      ]);

      assert.equal(await vscode.commands.executeCommand('rook.acceptHunk', 0), false, 'one hunk is still undecided');
      assert.equal(document.getText(), original);
      assert.deepEqual((await lensesOnProposal()).filter((lens) => lens.includes('Hunk')).sort(), ['3 rook.acceptHunk [1]', '3 rook.rejectHunk [1]']);
      assert.equal(await vscode.commands.executeCommand('rook.rejectHunk', 1), true);
      assert.equal(document.getText(), `${header}function add(a: number, b: number): number {\n  return a + b;\n}\n${footer}`);

      await vscode.commands.executeCommand('undo');
      assert.equal(document.getText(), original);
    });

    it('Reject leaves the file byte for byte unchanged', async () => {
      const { document } = await openSum('refactor-reject.ts');
      const onDisk = await vscode.workspace.fs.readFile(document.uri);
      const version = document.version;
      assert.equal(await vscode.commands.executeCommand('rook.editSelection', renameInstruction), true);

      assert.equal(await vscode.commands.executeCommand('rook.rejectEdit'), false);
      assert.equal(document.getText(), original);
      assert.equal(document.version, version);
      assert.equal(document.isDirty, false);
      assert.deepEqual(await vscode.workspace.fs.readFile(document.uri), onDisk);
      assert.equal(proposalTab(), undefined);
    });

    it('discards the rewrite when the document changes while it streams', async () => {
      const { document } = await openSum('refactor-concurrent.ts');
      const request = vscode.commands.executeCommand<boolean>('rook.editSelection', `slowly ${scriptedReply(slowRewrite)}`);
      await waitFor('the proposal diff', proposalTab);

      const typing = new vscode.WorkspaceEdit();
      typing.insert(document.uri, new vscode.Position(0, 0), '// typed meanwhile\n');
      assert.ok(await vscode.workspace.applyEdit(typing));

      assert.equal(await request, false);
      assert.equal(document.getText(), `// typed meanwhile\n${original}`);
      assert.equal(await vscode.commands.executeCommand('rook.acceptEdit'), false, 'nothing is left to accept');
      assert.equal(document.getText(), `// typed meanwhile\n${original}`);
      await waitFor('the diff to close', () => proposalTab() === undefined);
    });

    it('never applies a proposal after the document changed under it', async () => {
      const { document } = await openSum('refactor-stale.ts');
      assert.equal(await vscode.commands.executeCommand('rook.editSelection', renameInstruction), true);

      const typing = new vscode.WorkspaceEdit();
      typing.insert(document.uri, new vscode.Position(0, 0), '// typed meanwhile\n');
      assert.ok(await vscode.workspace.applyEdit(typing));

      assert.equal(await vscode.commands.executeCommand('rook.acceptEdit'), false);
      assert.equal(document.getText(), `// typed meanwhile\n${original}`);
    });

    it('shows the rewrite in the diff as it streams; cancelling it changes nothing', async () => {
      const { document } = await openSum('refactor-cancel.ts');
      const request = vscode.commands.executeCommand<boolean>('rook.editSelection', `slowly ${scriptedReply(slowRewrite)}`);
      const tab = await waitFor('the proposal diff', proposalTab);
      const proposal = await vscode.workspace.openTextDocument(tab.modified);
      await waitFor('the first streamed lines in the diff', () => proposal.getText().includes('  const step1 = 1;\n'));
      assert.ok(!proposal.getText().includes('step59'), 'the rewrite is still streaming');

      await vscode.commands.executeCommand('rook.rejectEdit');
      assert.equal(await request, false);
      assert.equal(document.getText(), original);
      assert.equal(document.isDirty, false);
      await waitFor('the diff to close', () => proposalTab() === undefined);
    });

    it('a failed generation changes nothing', async () => {
      const { document } = await openSum('refactor-failure.ts');
      assert.equal(await vscode.commands.executeCommand('rook.editSelection', `break ${scriptedFailure('scripted failure')}`), false);
      assert.equal(document.getText(), original);
      assert.equal(document.isDirty, false);
      assert.equal(proposalTab(), undefined);
      // The engine serves the next request again.
      assert.equal(vscode.window.activeTextEditor?.document, document, 'the document is back in front');
      assert.equal(await vscode.commands.executeCommand('rook.editSelection', renameInstruction), true);
    });
  });

  it('Fix is offered as a quick fix on a diagnostic and rewrites its line with the message as instruction', async () => {
    const { document } = await openFile('refactor-fix.ts', 'const total = 1;\nconsole.log(totl);\n');
    const diagnostics = vscode.languages.createDiagnosticCollection('rook-refactor-test');
    try {
      const problem = new vscode.Diagnostic(
        new vscode.Range(1, 12, 1, 16),
        `Cannot find name 'totl'. ${scriptedReply(fenced('console.log(total);'))}`,
        vscode.DiagnosticSeverity.Error,
      );
      problem.source = 'rook-refactor-test';
      const hint = new vscode.Diagnostic(new vscode.Range(1, 0, 1, 7), 'console.log is discouraged', vscode.DiagnosticSeverity.Hint);
      hint.source = 'rook-refactor-hint';
      diagnostics.set(document.uri, [problem, hint]);

      // The language's own diagnostic on the same name gets a Rook fix too; this test's is the one carrying `problem`.
      const rookFixFor = (actions: vscode.CodeAction[], source: string) =>
        actions.find((action) => action.command?.command === 'rook.fixDiagnostic' && action.command.arguments?.[1]?.source === source);
      let offered: vscode.CodeAction[] = [];
      const fix = await waitFor('a Rook quick fix', async () => {
        // Rejected ("Canceled") while the language's own providers start; then just ask again.
        offered = await vscode.commands
          .executeCommand<vscode.CodeAction[]>('vscode.executeCodeActionProvider', document.uri, new vscode.Range(1, 0, 1, 18))
          .then(undefined, () => []);
        return rookFixFor(offered, problem.source ?? '');
      });
      assert.equal(rookFixFor(offered, hint.source), undefined, 'hints get no Rook fix');
      assert.equal(fix.kind?.value, vscode.CodeActionKind.QuickFix.value);
      assert.match(fix.title, /^Fix with Rook: Cannot find name 'totl'/);

      assert.ok(fix.command);
      assert.equal(await vscode.commands.executeCommand(fix.command.command, ...(fix.command.arguments ?? [])), true);
      assert.equal(await vscode.commands.executeCommand('rook.acceptEdit'), true);
      assert.equal(document.getText(), 'const total = 1;\nconsole.log(total);\n');
    } finally {
      diagnostics.dispose();
    }
  });

  it('Add Docs proposes a doc comment above the selected function, applied with the same review and undo', async () => {
    const code = 'export function add(a: number, b: number): number {\n  return a + b;\n}\n';
    const marker = `// ${scriptedReply(fenced(`/** Adds two numbers. */\n${code.trimEnd()}`))}`;
    const editor = await openFile('refactor-docs.ts', `${marker}\n${code}`);
    editor.selection = new vscode.Selection(0, 0, 3, 1);

    assert.equal(await vscode.commands.executeCommand('rook.addDocs'), true);
    assert.equal(await vscode.commands.executeCommand('rook.acceptEdit'), true);
    assert.equal(editor.document.getText(), `/** Adds two numbers. */\n${code}`);
    await vscode.commands.executeCommand('undo');
    assert.equal(editor.document.getText(), `${marker}\n${code}`);
  });

  it('Generate Tests writes a test file beside the source', async () => {
    const testCode = "import { describe, it, expect } from 'vitest';\nimport { double } from './math';\n\ndescribe('double', () => {\n  it('doubles', () => expect(double(2)).toBe(4));\n});";
    await writeFile('refactor-tests-demo/package.json', JSON.stringify({ devDependencies: { vitest: '^3.0.0' } }));
    await openFile('refactor-tests-demo/math.ts', `// ${scriptedReply(fenced(testCode))}\nexport const double = (n: number) => n * 2;\n`);
    created.unshift(vscode.Uri.joinPath(workspaceRoot(), 'refactor-tests-demo'));

    const testFile = await vscode.commands.executeCommand<vscode.Uri | undefined>('rook.generateTests');
    assert.ok(testFile, 'a test file was written');
    assert.equal(testFile.path, vscode.Uri.joinPath(workspaceRoot(), 'refactor-tests-demo', 'math.test.ts').path);
    assert.equal(new TextDecoder().decode(await vscode.workspace.fs.readFile(testFile)), `${testCode}\n`);
    assert.equal(vscode.window.activeTextEditor?.document.uri.path, testFile.path, 'the new test file is shown');
  });

  it('Explain asks about the selection in the chat view', async () => {
    const editor = await openSum('refactor-explain.ts');
    assert.equal(await vscode.commands.executeCommand('rook.explainSelection'), true);
    assert.equal(editor.document.getText(), original, 'explaining changes nothing');
  });

  it('Generate Commit Message writes a message for the staged diff into the Source Control input box', async () => {
    const folder = vscode.Uri.joinPath(workspaceRoot(), 'refactor-commit-demo');
    created.push(folder);
    const message = 'Add greet()\n\nGreets by name.';
    await vscode.workspace.fs.writeFile(vscode.Uri.joinPath(folder, 'greet.ts'), new TextEncoder().encode(`// ${scriptedReply(message)}\nexport const greet = (name: string) => name;\n`));
    execFileSync('git', ['init', '-q'], { cwd: folder.fsPath });
    execFileSync('git', ['add', 'greet.ts'], { cwd: folder.fsPath });

    interface Repository {
      inputBox: { value: string };
    }
    const gitExtension = vscode.extensions.getExtension<{ getAPI(version: 1): { openRepository(root: vscode.Uri): Promise<Repository | null> } }>('vscode.git');
    assert.ok(gitExtension, 'the built-in git extension is present');
    const repository = await (await gitExtension.activate()).getAPI(1).openRepository(folder);
    assert.ok(repository, 'git opened the temporary repository');

    assert.equal(await vscode.commands.executeCommand('rook.generateCommitMessage', { rootUri: folder }), message);
    assert.equal(repository.inputBox.value, message);
  });
});
