/**
 * Rook's inline-completion triggering in a real VS Code: partial accept by word and by line, the
 * next suggestion asked for right after an accept, the request started at the keystroke, excluded
 * files kept from the sidecar, the snooze command, and how long typing with Rook active blocks the
 * extension host's event loop.
 */
import * as assert from 'node:assert/strict';
import { monitorEventLoopDelay } from 'node:perf_hooks';
import * as vscode from 'vscode';
import { COMPLETION_CONTINUATION, COMPLETION_PREFIX, scriptedCompletion } from '../e2e/scriptedEngine';
import { metrics } from './report';
import { rookApi } from './rook';
import { acceptInlineCompletion, openScratchEditor, type ScratchEditor } from './scratchEditor';

const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

/** Triggers suggestions and runs `command` until it changes the document; returns the new text, or undefined. */
async function untilChangedBy(editor: vscode.TextEditor, command: string, timeoutMs: number): Promise<string | undefined> {
  const before = editor.document.getText();
  const deadline = Date.now() + timeoutMs;
  while (Date.now() < deadline) {
    await vscode.commands.executeCommand('editor.action.inlineSuggest.trigger');
    await sleep(500);
    await vscode.commands.executeCommand(command);
    if (editor.document.getText() !== before) return editor.document.getText();
  }
  return undefined;
}

function median(values: number[]): number {
  const sorted = [...values].sort((a, b) => a - b);
  return Math.round(sorted[Math.floor(sorted.length / 2)]);
}

/** Commits whatever suggestion is shown, without triggering one, until the document changes; false if none came. */
async function untilCommitted(editor: vscode.TextEditor, timeoutMs: number): Promise<boolean> {
  const before = editor.document.getText();
  const deadline = Date.now() + timeoutMs;
  while (Date.now() < deadline) {
    await vscode.commands.executeCommand('editor.action.inlineSuggest.commit');
    if (editor.document.getText() !== before) return true;
    await sleep(20);
  }
  return false;
}

describe('Rook inline completion triggering', () => {
  let scratch: ScratchEditor | undefined;

  before(async () => {
    await (await rookApi()).waitForState('ready', 45_000);
  });

  afterEach(async () => {
    await scratch?.dispose();
    scratch = undefined;
  });

  it('accepts a suggestion word by word, then the rest', async () => {
    scratch = await openScratchEditor('partial-accept.ts', COMPLETION_PREFIX);
    const partly = await untilChangedBy(scratch.editor, 'editor.action.inlineSuggest.acceptNextWord', 30_000);
    assert.ok(partly, 'no suggestion to accept a word of');
    const accepted = partly.slice(COMPLETION_PREFIX.length);
    assert.ok(accepted.length > 0 && accepted.length < COMPLETION_CONTINUATION.length && COMPLETION_CONTINUATION.startsWith(accepted), JSON.stringify(accepted));
    const rest = await untilChangedBy(scratch.editor, 'editor.action.inlineSuggest.commit', 15_000);
    assert.equal(rest, `${COMPLETION_PREFIX}${COMPLETION_CONTINUATION}`);
  });

  it('accepts a multi-line suggestion line by line: one line in the document, the rest still offered', async () => {
    const body = 'const total = a + b;\n  return total;';
    const head = `// ${scriptedCompletion(body)}\nfunction sum(a: number, b: number) {\n  `;
    scratch = await openScratchEditor('accept-line.ts', `${head}\n}\n`);
    const cursor = scratch.editor.document.positionAt(head.length);
    scratch.editor.selection = new vscode.Selection(cursor, cursor);
    const oneLine = await untilChangedBy(scratch.editor, 'editor.action.inlineSuggest.acceptNextLine', 30_000);
    assert.equal(oneLine, `${head}const total = a + b;\n\n}\n`);
    const rest = await untilChangedBy(scratch.editor, 'editor.action.inlineSuggest.commit', 15_000);
    assert.equal(rest, `${head}${body}\n}\n`);
  });

  it('after an accept, the next suggestion is asked for and offered with no typing and no trigger', async () => {
    // Measured against what the next suggestion costs without it: a keystroke, its debounce, the request
    // (three of each, medians, into the report; the assertions are only that both paths offer one).
    const afterKeystroke: number[] = [];
    const afterAccept: number[] = [];
    for (let round = 0; round < 3; round++) {
      scratch = await openScratchEditor(`after-keystroke-${round}.ts`, 'const answe');
      const typed = performance.now();
      await vscode.commands.executeCommand('type', { text: 'r' });
      assert.ok(await untilCommitted(scratch.editor, 15_000), 'no suggestion after a keystroke');
      afterKeystroke.push(performance.now() - typed);
      await scratch.dispose();

      scratch = await openScratchEditor(`after-accept-${round}.ts`, COMPLETION_PREFIX);
      assert.equal(await acceptInlineCompletion(scratch.editor, 30_000), `${COMPLETION_PREFIX}${COMPLETION_CONTINUATION}`);
      const accepted = performance.now();
      assert.ok(await untilCommitted(scratch.editor, 15_000), 'no suggestion was offered after the accept');
      afterAccept.push(performance.now() - accepted);
      await scratch.dispose();
      scratch = undefined;
    }
    metrics.keystrokeToSuggestionMedianMs = median(afterKeystroke);
    metrics.acceptToNextSuggestionMedianMs = median(afterAccept);
  });

  it('never offers suggestions in an excluded file (.env is excluded by default)', async () => {
    scratch = await openScratchEditor('.env', COMPLETION_PREFIX);
    assert.equal(await untilChangedBy(scratch.editor, 'editor.action.inlineSuggest.commit', 4_000), undefined);
  });

  it('a manual trigger still works while automatic suggestions are snoozed', async () => {
    await vscode.commands.executeCommand('rook.snoozeCompletions', 5);
    try {
      scratch = await openScratchEditor('snoozed.ts', COMPLETION_PREFIX);
      assert.equal(await acceptInlineCompletion(scratch.editor, 30_000), `${COMPLETION_PREFIX}${COMPLETION_CONTINUATION}`);
    } finally {
      await vscode.commands.executeCommand('rook.snoozeCompletions', 0);
    }
  });

  it('a keystroke starts its request before VS Code asks (here VS Code never asks: its inline suggestions are off)', async () => {
    const api = await rookApi();
    // At workspace level: written to the user settings, in code-server, it cost the suites after it the engine those set.
    const editorSettings = vscode.workspace.getConfiguration('editor');
    await editorSettings.update('inlineSuggest.enabled', false, vscode.ConfigurationTarget.Workspace);
    try {
      scratch = await openScratchEditor('prefetch.ts', 'const answe');
      const requests = async () => (await api.freshSidecarStatus())?.completionStats?.requests ?? 0;
      const before = await requests();
      await vscode.commands.executeCommand('type', { text: 'r' });
      let after = before;
      for (const deadline = Date.now() + 10_000; after === before && Date.now() < deadline; await sleep(100)) after = await requests();
      assert.equal(after, before + 1, 'the keystroke did not start a completion request');
    } finally {
      await editorSettings.update('inlineSuggest.enabled', undefined, vscode.ConfigurationTarget.Workspace);
    }
  });

  it('typing with suggestions on: completions run, and the host event-loop delay is recorded beside its own', async () => {
    const api = await rookApi();
    const requests = async () => (await api.freshSidecarStatus())?.completionStats?.requests ?? 0;
    /** The host's event-loop delay while typing three lines into a new file, in ms. */
    const typingDelay = async (name: string) => {
      scratch = await openScratchEditor(name, '');
      const delay = monitorEventLoopDelay({ resolution: 5 });
      delay.enable();
      for (const char of 'const total = items.reduce((sum, item) => sum + item.price, 0);\n'.repeat(3)) {
        await vscode.commands.executeCommand('type', { text: char });
        await sleep(30);
      }
      await sleep(500);
      delay.disable();
      await scratch.dispose();
      scratch = undefined;
      return { maxMs: delay.max / 1e6, p99Ms: delay.percentile(99) / 1e6 };
    };
    // The same typing with Rook's automatic completions snoozed first: the host's own delays, for comparison.
    await vscode.commands.executeCommand('rook.snoozeCompletions', 5);
    const beforeSnoozed = await requests();
    const snoozed = await typingDelay('typing-snoozed.ts').finally(() => vscode.commands.executeCommand('rook.snoozeCompletions', 0));
    const whileSnoozed = (await requests()) - beforeSnoozed;
    const before = await requests();
    const active = await typingDelay('typing.ts');
    const during = (await requests()) - before;
    // And into a plain-text file, where no language server answers Rook's definition lookups.
    const plainText = await typingDelay('typing.txt');
    metrics.typingEventLoopDelayMaxMs = Math.round(active.maxMs);
    metrics.typingEventLoopDelayP99Ms = Math.round(active.p99Ms);
    metrics.typingPlainTextEventLoopDelayMaxMs = Math.round(plainText.maxMs);
    metrics.typingPlainTextEventLoopDelayP99Ms = Math.round(plainText.p99Ms);
    metrics.typingSnoozedEventLoopDelayMaxMs = Math.round(snoozed.maxMs);
    metrics.typingSnoozedEventLoopDelayP99Ms = Math.round(snoozed.p99Ms);
    // The delays are figures for bench/completion/README.md, not a pass mark: speed is measured, not asserted.
    assert.equal(whileSnoozed, 0, 'typing while snoozed asked for completions');
    assert.ok(during > 0, 'typing with suggestions on asked for no completion');
  });
});
