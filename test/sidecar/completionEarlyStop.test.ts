/**
 * Multi-line completions end early against the real sidecar and a stand-in remote engine that streams slowly:
 * at the line where the cursor's block ends (the rest would be cut anyway, so the stream is closed), and at a
 * line end once generation is past its time budget. `rook/status` counts both. An answer that arrives whole after
 * a slow first token is not cut: the budget counts generating, not waiting.
 */
import { describe, test, before, after } from 'node:test';
import * as assert from 'node:assert/strict';
import { InlineCompletionRequest, InlineCompletionTriggerKind, type InlineCompletionList } from 'vscode-languageserver-protocol/node';
import { statusRequest } from '../../server/protocol/contract';
import { startOpenAIServer, type OpenAIServer } from '../support/openaiServer';
import { settingsFor, startSidecar, type Sidecar } from './sidecarProcess';

/** A block body, its closing line, then far more code than the block (the engine's run-on). */
const blockAnswer = `\n  start();\n}\n${'else {\n  wait();\n}\n'.repeat(40)}`;
/** Lines that stay in the block (the cursor is after the first line's indentation): only the time budget ends them. */
const longBody = Array.from({ length: 30 }, (_, i) => `  step${i}();\n`).join('').trimStart();

describe('inline completion early stop (rook lsp --stdio)', () => {
  let server: OpenAIServer;
  let sidecar: Sidecar;

  before(async () => {
    server = await startOpenAIServer({
      reply: ({ body }) => (String(body.prompt).endsWith('if (ready) {') ? blockAnswer : longBody),
      chunkDelayMs: 20,
      chunkSize: 4,
    });
    sidecar = await startSidecar();
    assert.equal((await sidecar.configure(settingsFor([server.baseUrl], { requestTimeoutMs: 10_000 }))).state, 'ready');
  });

  after(async () => {
    await sidecar?.stop();
    await server?.close();
  });

  const complete = async (uri: string, text: string, line: number, character: number) => {
    await sidecar.open(uri, text);
    return (await sidecar.connection.sendRequest(InlineCompletionRequest.type, {
      textDocument: { uri },
      position: { line, character },
      context: { triggerKind: InlineCompletionTriggerKind.Automatic },
    })) as InlineCompletionList;
  };
  const stats = async () => (await sidecar.connection.sendRequest(statusRequest)).completionStats!;

  test('the stream is closed at the line that ends the block, and the answer is the block', async () => {
    const before = await stats();
    const result = await complete('file:///work/ready.ts', 'if (ready) {\n', 0, 'if (ready) {'.length);
    assert.equal(result.items[0]?.insertText, '\n  start();\n}');
    const after = await stats();
    assert.equal(after.scopeStops - before.scopeStops, 1);
    assert.equal(after.timeStops, before.timeStops);
  });

  test('past the time budget, a long answer ends at a finished line', async () => {
    const before = await stats();
    const result = await complete('file:///work/steps.ts', 'function run() {\n  \n}\n', 1, 2);
    const shown = String(result.items[0]?.insertText ?? '');
    const lines = shown.split('\n');
    assert.ok(lines.length >= 1 && lines.length < 30, `${lines.length} lines shown`);
    assert.ok(longBody.startsWith(shown), JSON.stringify(shown));
    assert.match(lines.at(-1)!, /^\s*step\d+\(\);$/, 'the last line shown is a finished one');
    const after = await stats();
    assert.equal(after.timeStops - before.timeStops, 1);
  });
});

describe('inline completion time budget with a slow first token (rook lsp --stdio)', () => {
  let server: OpenAIServer;
  let sidecar: Sidecar;
  const body = longBody.trimEnd();

  before(async () => {
    server = await startOpenAIServer({ reply: () => body, firstChunkDelayMs: 400, chunkSize: 100_000 });
    sidecar = await startSidecar();
    assert.equal((await sidecar.configure(settingsFor([server.baseUrl], { requestTimeoutMs: 10_000 }))).state, 'ready');
  });

  after(async () => {
    await sidecar?.stop();
    await server?.close();
  });

  test('an answer that arrives whole after 400 ms is shown whole, its last line included', async () => {
    const uri = 'file:///work/late.ts';
    await sidecar.open(uri, 'function run() {\n  \n}\n');
    const result = (await sidecar.connection.sendRequest(InlineCompletionRequest.type, {
      textDocument: { uri },
      position: { line: 1, character: 2 },
      context: { triggerKind: InlineCompletionTriggerKind.Automatic },
    })) as InlineCompletionList;
    assert.equal(result.items[0]?.insertText, body);
    assert.equal((await sidecar.connection.sendRequest(statusRequest)).completionStats!.timeStops, 0);
  });
});
