/**
 * Inline completions on awkward documents, against the real sidecar and a stand-in remote engine:
 * huge files and lines stay within the prompt budget and answer quickly; binary and non-UTF-8
 * content is skipped with a reason and never reaches the engine. Also: context snippets from other
 * open files come before the prefix, and the replace range covers a closer the completion writes.
 */
import { describe, test, before, after } from 'node:test';
import * as assert from 'node:assert/strict';
import { InlineCompletionRequest, InlineCompletionTriggerKind, type InlineCompletionList } from 'vscode-languageserver-protocol/node';
import { maxPromptTokens } from '../../server/completion/promptBudget';
import { defaultCharsPerToken } from '../../server/completion/charsPerToken';
import { statusRequest } from '../../server/protocol/contract';
import { startOpenAIServer, type OpenAIServer } from '../support/openaiServer';
import { startSidecarFor, type Sidecar } from './sidecarProcess';

const promptCharLimit = maxPromptTokens * defaultCharsPerToken;

describe('inline completion limits (rook lsp --stdio)', () => {
  let server: OpenAIServer;
  let sidecar: Sidecar;
  let logs: string[];

  before(async () => {
    server = await startOpenAIServer({
      reply: ({ body }) => (String(body.prompt).endsWith('print(') ? '"hello");' : ' = 42;'),
      chunkDelayMs: 0,
    });
    ({ sidecar, logs } = await startSidecarFor(server));
  });

  after(async () => {
    await sidecar?.stop();
    await server?.close();
  });

  const complete = async (uri: string, line: number, character: number) => {
    const result = (await sidecar.connection.sendRequest(InlineCompletionRequest.type, {
      textDocument: { uri },
      position: { line, character },
      context: { triggerKind: InlineCompletionTriggerKind.Automatic },
    })) as InlineCompletionList;
    return { result };
  };
  const lastPrompt = () => String(server.requests.filter((r) => r.path === '/v1/completions').at(-1)?.body.prompt);
  const completionRequests = () => server.requests.filter((r) => r.path === '/v1/completions').length;

  test('a 10 MB file is answered within budget', async () => {
    const line = 'export const value = compute(input, options);\n';
    const text = line.repeat(Math.ceil(10_000_000 / line.length)) + 'const answer';
    const uri = 'file:///work/huge.ts';
    await sidecar.open(uri, text);
    const lastLine = text.split('\n').length - 1;
    const { result } = await complete(uri, lastLine, 'const answer'.length);
    assert.equal(result.items[0]?.insertText, ' = 42;');
    assert.ok(lastPrompt().length <= promptCharLimit, `prompt of ${lastPrompt().length} chars`);
    assert.ok(lastPrompt().endsWith('const answer'));
    // Typing on: the next keystroke is answered from the same cut (`rook bench limits` times the cut on 10 MB).
    const again = await complete(uri, lastLine, 'const answer'.length);
    assert.equal(again.result.items[0]?.insertText, ' = 42;');
    assert.ok(lastPrompt().endsWith('const answer'));
  });

  test('a 100 KB line is cut within budget', async () => {
    const uri = 'file:///work/minified.js';
    const text = `var a=${'[1,2,3],'.repeat(12_500)}b`;
    await sidecar.open(uri, text);
    const { result } = await complete(uri, 0, text.length);
    assert.equal(result.items.length, 1);
    assert.ok(lastPrompt().length <= promptCharLimit, `prompt of ${lastPrompt().length} chars`);
  });

  for (const [kind, text] of [
    ['binary', 'PK\u0003\u0004\u0000\u0000\u0008\u0000' + 'x\u0000'.repeat(500)],
    ['non-UTF-8', 'caf\uFFFD \uFFFD\uFFFD\uFFFD'.repeat(200)],
  ] as const) {
    test(`${kind} content is skipped with a reason, without an engine call`, async () => {
      const uri = `file:///work/${kind}.dat`;
      await sidecar.open(uri, text, 'plaintext');
      const before = completionRequests();
      const { result } = await complete(uri, 0, 10);
      assert.deepEqual(result.items, []);
      assert.equal(completionRequests(), before);
      await new Promise((resolve) => setTimeout(resolve, 50));
      assert.ok(
        logs.some((message) => message.includes(uri) && /binary|UTF-8/.test(message)),
        logs.join('\n'),
      );
    });
  }

  test('snippets from a related open file come before the prefix', async () => {
    await sidecar.open('file:///work/invoice.ts', 'export function parseInvoice(raw: string): Invoice {\n  return { invoiceLines: raw.split(lineBreak) };\n}\n');
    const uri = 'file:///work/render.ts';
    const lines = ['import { parseInvoice } from "./invoice";', 'function renderInvoice(raw: string) {', '  const invoiceLines = parseInvoice(raw).invoiceLines;', '  return invoiceLines', '}', '', '', '', '', 'const total'];
    await sidecar.open(uri, lines.join('\n'));
    await complete(uri, 9, 'const total'.length);
    const prompt = lastPrompt();
    assert.match(prompt, /^\/\/ Compare this snippet from \/work\/invoice\.ts:\n\/\/ export function parseInvoice/);
    assert.ok(prompt.endsWith('const total'));
  });

  test('the replace range covers an auto-closed paren the completion writes itself', async () => {
    const uri = 'file:///work/print.py';
    await sidecar.open(uri, 'print()\n', 'python');
    const { result } = await complete(uri, 0, 'print('.length);
    assert.equal(result.items[0].insertText, '"hello");');
    assert.deepEqual(result.items[0].range, { start: { line: 0, character: 6 }, end: { line: 0, character: 7 } });
  });

  test('the log says how completion prompts are laid out for the model (this server takes `suffix` itself)', () => {
    assert.ok(logs.includes('Completion prompts for test-model: engine-fim.'), logs.join('\n'));
  });

  test('status counts completion requests and engine calls', async () => {
    const stats = (await sidecar.connection.sendRequest(statusRequest)).completionStats!;
    assert.ok(stats.requests >= 7, JSON.stringify(stats));
    assert.equal(stats.engineCalls, stats.requests - 2, 'the two skipped documents made no engine call');
  });
});
