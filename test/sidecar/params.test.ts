/**
 * Params the sidecar must refuse, against the real sidecar (`rook lsp --stdio`) and a stand-in remote engine:
 * `rook/chat` and `rook/edit` fields of the wrong type or out of range, null or positional params, documents opened
 * or changed with content that is not text, and inline completions at positions the document does not have. A
 * request gets InvalidParams naming the field and never reaches the engine; a notification is ignored (logged); the
 * sidecar keeps serving throughout.
 */
import { describe, test, before, after } from 'node:test';
import * as assert from 'node:assert/strict';
import {
  DidChangeTextDocumentNotification,
  DidOpenTextDocumentNotification,
  InlineCompletionRequest,
  InlineCompletionTriggerKind,
  type InlineCompletionList,
} from 'vscode-languageserver-protocol/node';
import { chatRequest, configureRequest, editRequest, maxRequestChars, RookErrorCodes, statusRequest } from '../../server/protocol/contract';
import { maxChatTokens } from '../../server/lsp/params';
import { startOpenAIServer, type OpenAIServer } from '../support/openaiServer';
import { settingsFor, startSidecarFor, type Sidecar } from './sidecarProcess';

const user = (content: unknown) => ({ role: 'user', content });

describe('request and notification params (rook lsp --stdio)', () => {
  let server: OpenAIServer;
  let sidecar: Sidecar;
  let logs: string[];

  before(async () => {
    server = await startOpenAIServer({ reply: ({ path }) => (path === '/v1/completions' ? ' = 42;' : 'fine') });
    ({ sidecar, logs } = await startSidecarFor(server));
  });

  after(async () => {
    await sidecar?.stop();
    await server?.close();
  });

  const engineRequests = () => server.requests.filter((r) => r.path !== '/v1/models').length;

  /** The request is refused with InvalidParams whose message matches `field`, and the engine never hears of it. */
  async function refused(method: string, params: unknown, field: RegExp): Promise<void> {
    const before = engineRequests();
    const response = await sidecar.rawRequest(method, params);
    const sent = `${method} ${JSON.stringify(params)?.slice(0, 80)}`;
    assert.ok(response.error, `${sent} was accepted`);
    assert.equal(response.error.code, RookErrorCodes.InvalidParams, `${sent}: ${response.error.message}`);
    assert.match(response.error.message, field, sent);
    assert.equal(engineRequests(), before, 'the engine was not asked');
  }

  test('rook/chat refuses maxTokens that is not a whole number from 1 to the bound', async () => {
    for (const maxTokens of [-1, 0, 'abc', 1e12, 1.5, maxChatTokens + 1, null, true]) {
      await refused('rook/chat', { messages: [user('hi')], maxTokens }, /maxTokens must be a whole number from 1 to 32768/);
    }
  });

  test('rook/chat refuses temperature outside 0..2 or not a number', async () => {
    for (const temperature of ['x', -5, 1e9, 2.01, null, [1]]) {
      await refused('rook/chat', { messages: [user('hi')], temperature }, /temperature must be a number from 0 to 2/);
    }
  });

  test('rook/chat refuses messages that are not { role, content } with a known role and string content', async () => {
    await refused('rook/chat', { messages: 'not a list' }, /messages must be a list/);
    await refused('rook/chat', { messages: [] }, /messages must be a list of 1 to/);
    await refused('rook/chat', {}, /messages must be a list/);
    await refused('rook/chat', { messages: [null] }, /messages\[0\] must be a \{ role, content \} object/);
    await refused('rook/chat', { messages: [user('hi'), { role: 'bogus', content: 'x' }] }, /messages\[1\]\.role must be one of system, user, assistant; got "bogus"/);
    await refused('rook/chat', { messages: [{ content: 'x' }] }, /messages\[0\]\.role must be one of/);
    await refused('rook/chat', { messages: [user(42)] }, /messages\[0\]\.content must be a string; got 42/);
    await refused('rook/chat', { messages: [user({ text: 'x' })] }, /messages\[0\]\.content must be a string/);
    const half = 'x'.repeat(maxRequestChars / 2);
    await refused('rook/chat', { messages: [user(half), { role: 'assistant', content: half }, user('one more')] }, /messages must hold at most 2000000 characters/);
    await refused('rook/chat', { messages: [user('hi')], partialResultToken: { nested: true } }, /partialResultToken must be a string or an integer/);
  });

  test('rook/chat refuses null, missing and positional params', async () => {
    await refused('rook/chat', null, /rook\/chat: params must be an object; got null/);
    await refused('rook/chat', [[user('hi')], 5], /not a list|by position/);
    await refused('rook/chat', undefined, /params/);
  });

  test('rook/chat accepts the bounds and passes them on', async () => {
    for (const [maxTokens, temperature] of [
      [1, 0],
      [maxChatTokens, 2],
    ]) {
      const result = await sidecar.connection.sendRequest(chatRequest, { messages: [{ role: 'system', content: 'be brief' }, user('hi')] as never, maxTokens, temperature });
      assert.equal(result.text, 'fine');
      const sent = server.requests.filter((r) => r.path === '/v1/chat/completions').at(-1)!.body;
      assert.equal(sent.max_tokens, maxTokens);
      assert.equal(sent.temperature, temperature);
    }
  });

  test('rook/edit refuses fields of the wrong type, unknown tasks and frameworks, and oversized text', async () => {
    const edit = { uri: 'file:///work/a.ts', languageId: 'typescript', original: 'let a = 1;', instruction: 'rename a to b' };
    await refused('rook/edit', null, /rook\/edit: params must be an object; got null/);
    await refused('rook/edit', { ...edit, original: 5 }, /original must be a string; got 5/);
    await refused('rook/edit', { ...edit, instruction: undefined }, /instruction must be a string; got nothing/);
    await refused('rook/edit', { ...edit, uri: 7 }, /uri must be a string/);
    await refused('rook/edit', { ...edit, languageId: null }, /languageId must be a string/);
    await refused('rook/edit', { ...edit, task: 'bogus' }, /task must be one of rewrite, tests, commitMessage; got "bogus"/);
    await refused('rook/edit', { ...edit, task: 'tests', testFramework: 'junit' }, /testFramework must be one of jest, vitest, mocha, node:test, pytest/);
    await refused('rook/edit', { ...edit, original: 'x'.repeat(maxRequestChars + 1) }, /original and instruction must hold at most 2000000 characters/);
    await refused('rook/edit', [edit, 1], /not a list|by position/);
    const result = await sidecar.connection.sendRequest(editRequest, { ...edit, task: 'tests', testFramework: 'node:test' });
    assert.equal(typeof result.text, 'string');
  });

  test('rook/configure refuses null params or params without settings', async () => {
    await refused('rook/configure', null, /rook\/configure: params must be \{ settings/);
    await refused('rook/configure', {}, /rook\/configure: params must be \{ settings/);
    await refused('rook/configure', { settings: 'auto' }, /rook\/configure: params must be \{ settings/);
    await refused('rook/configure', [{ settings: settingsFor([]) }, 1], /rook\/configure: params must be an object \(by name\), not a list/);
    assert.equal((await sidecar.connection.sendRequest(statusRequest)).state, 'ready', 'the refused configurations changed nothing');
    assert.equal((await sidecar.connection.sendRequest(configureRequest, { settings: settingsFor([server.baseUrl]) })).state, 'ready');
  });

  const complete = (uri: string, position: unknown) =>
    sidecar.connection.sendRequest(InlineCompletionRequest.type, {
      textDocument: { uri },
      position: position as never,
      context: { triggerKind: InlineCompletionTriggerKind.Automatic },
    }) as Promise<InlineCompletionList | null>;

  test('initialize and $/setTrace, which the LSP library reads itself, refuse malformed params too', async () => {
    await refused('initialize', null, /^initialize: params must be an object; got null/);
    await refused('initialize', { processId: 'me', capabilities: {} }, /^initialize: processId must be a process id or null/);
    await refused('initialize', { processId: null, capabilities: null }, /^initialize: capabilities must be an object/);
    const body = JSON.stringify({ jsonrpc: '2.0', method: '$/setTrace', params: null });
    sidecar.process.stdin.write(`Content-Length: ${Buffer.byteLength(body)}\r\n\r\n${body}`);
    assert.equal((await sidecar.connection.sendRequest(statusRequest)).state, 'ready');
    assert.ok(logs.some((line) => /^Ignored \$\/setTrace: params must be \{ value/.test(line)), logs.join('\n'));
    assert.ok(!logs.some((line) => /Cannot read properties/.test(line)), logs.join('\n'));
  });

  test('a didOpen whose text is not a string opens nothing, and a later didOpen with text works', async () => {
    const uri = 'file:///work/poisoned.ts';
    for (const text of [42, null, { length: 3 }, ['const']]) {
      await sidecar.connection.sendNotification(DidOpenTextDocumentNotification.method, { textDocument: { uri, languageId: 'typescript', version: 1, text } });
    }
    await sidecar.connection.sendNotification(DidOpenTextDocumentNotification.method, { textDocument: { uri, languageId: 'typescript', version: 'one', text: 'x' } });
    await sidecar.connection.sendNotification(DidOpenTextDocumentNotification.method, null);
    assert.equal(await complete(uri, { line: 0, character: 0 }), null, 'no document was opened');
    assert.ok(logs.some((line) => /Ignored textDocument\/didOpen: textDocument\.text must be a string; got 42/.test(line)), logs.join('\n'));
    await sidecar.open(uri, 'const answer');
    const result = await complete(uri, { line: 0, character: 'const answer'.length });
    assert.equal(result?.items[0]?.insertText, ' = 42;');
  });

  test('a malformed didChange closes the sidecar copy instead of corrupting it; reopening restores completions', async () => {
    const uri = 'file:///work/changed.ts';
    await sidecar.open(uri, 'const answer');
    await sidecar.connection.sendNotification(DidChangeTextDocumentNotification.method, { textDocument: { uri, version: 2 }, contentChanges: [{ text: 99 }] });
    assert.equal(await complete(uri, { line: 0, character: 'const answer'.length }), null, 'the document is closed');
    assert.ok(logs.some((line) => /contentChanges\[0\]\.text must be a string/.test(line)));
    await sidecar.open(uri, 'const answer');
    const change = { range: { start: { line: 0, character: 6 }, end: { line: 0, character: 12 } }, text: 'result' };
    await sidecar.connection.sendNotification(DidChangeTextDocumentNotification.type, { textDocument: { uri, version: 2 }, contentChanges: [change] });
    assert.equal((await complete(uri, { line: 0, character: 'const result'.length }))?.items[0]?.insertText, ' = 42;');
    assert.ok(String(server.requests.at(-1)!.body.prompt).endsWith('const result'));
    for (const bad of [
      { textDocument: { uri, version: 3 }, contentChanges: 'text' },
      { textDocument: { uri, version: 3 }, contentChanges: [{ range: { start: { line: -1, character: 0 }, end: { line: 0, character: 0 } }, text: '' }] },
      { textDocument: { uri }, contentChanges: [{ text: 'x' }] },
    ]) {
      await sidecar.open(uri, 'const answer');
      await sidecar.connection.sendNotification(DidChangeTextDocumentNotification.method, bad);
      assert.equal(await complete(uri, { line: 0, character: 3 }), null, JSON.stringify(bad));
    }
  });

  test('an inline completion at a position the document does not have gets no items, not an echo', async () => {
    const uri = 'file:///work/short.ts';
    await sidecar.open(uri, 'const a = 1;\r\nconst answer\n');
    const before = engineRequests();
    for (const position of [
      { line: 1e9, character: 0 },
      { line: 3, character: 0 },
      { line: 0, character: 13 },
      { line: 1, character: 1e9 },
    ]) {
      assert.deepEqual(await complete(uri, position), { items: [] }, JSON.stringify(position));
    }
    assert.equal(engineRequests(), before, 'the engine was not asked');
    // The positions that exist still work: the end of a CRLF line, the end of the last line, the empty line after it.
    assert.deepEqual((await complete(uri, { line: 1, character: 'const answer'.length }))?.items[0]?.range, {
      start: { line: 1, character: 12 },
      end: { line: 1, character: 12 },
    });
    assert.ok(await complete(uri, { line: 0, character: 12 }));
    assert.ok(await complete(uri, { line: 2, character: 0 }));
  });

  test('an inline completion with malformed or null params gets InvalidParams', async () => {
    const uri = 'file:///work/short.ts';
    const method = InlineCompletionRequest.method;
    await refused(method, null, /params must be an object; got null/);
    await refused(method, { position: { line: 0, character: 0 } }, /textDocument must be \{ uri: string \}/);
    await refused(method, { textDocument: { uri } }, /position must be a \{ line, character \} object; got nothing/);
    await refused(method, { textDocument: { uri }, position: { line: -1, character: 0 } }, /position\.line must be a whole number, 0 or more; got -1/);
    await refused(method, { textDocument: { uri }, position: { line: 0, character: 1.5 } }, /position\.character must be a whole number/);
    await refused(method, { textDocument: { uri }, position: { line: '0', character: 0 } }, /position\.line must be a whole number/);
    await refused(method, { textDocument: { uri }, position: { line: 0, character: 0 }, context: { triggerKind: 9 } }, /context must be/);
    await refused(method, [{ textDocument: { uri }, position: { line: 0, character: 0 } }, 2], /not a list|by position/);
    assert.equal(sidecar.process.exitCode, null);
    assert.equal((await sidecar.connection.sendRequest(statusRequest)).state, 'ready');
  });
});
