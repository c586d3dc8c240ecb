import { test, describe, before, after } from 'node:test';
import * as assert from 'node:assert/strict';
import { randomUUID } from 'node:crypto';
import {
  CancellationTokenSource,
  InlineCompletionRequest,
  InlineCompletionTriggerKind,
  ResponseError,
} from 'vscode-languageserver-protocol/node';
import { chatRequest, completionContextNotification, editRequest, RookErrorCodes, statusRequest, textDeltaProgress } from '../../server/protocol/contract';
import { startOpenAIServer, type OpenAIServer } from '../support/openaiServer';
import { settingsFor, startSidecar, type Sidecar } from './sidecarProcess';

const answer = 'Use `Array.prototype.map`:\n\n```ts\nconst doubled = xs.map((x) => x * 2);\n```\n';

describe('sidecar over LSP (rook lsp --stdio)', () => {
  let server: OpenAIServer;
  let sidecar: Sidecar;

  before(async () => {
    server = await startOpenAIServer({
      reply: ({ path, body }) => {
        if (path === '/v1/completions') return ' = computeTotal(items);\nconsole.log(total);';
        if (String(body.messages?.at(-1)?.content).includes('rewrite')) return '```ts\nconst total = sum(items);\n```';
        if (String(body.messages?.at(-1)?.content).includes('long')) return 'word '.repeat(400);
        return answer;
      },
      chunkDelayMs: 2,
    });
    sidecar = await startSidecar();
    const status = await sidecar.configure(settingsFor([server.baseUrl]));
    assert.equal(status.state, 'ready', status.message);
  });

  after(async () => {
    await sidecar?.stop();
    await server?.close();
  });

  test('initialize advertises inline completion and incremental sync', () => {
    const capabilities = sidecar.initializeResult.capabilities;
    assert.equal(capabilities.inlineCompletionProvider, true);
    assert.equal(capabilities.textDocumentSync, 2);
    assert.equal(sidecar.initializeResult.serverInfo?.name, 'rook');
  });

  test('status reports the engine and model detected from /v1/models', async () => {
    const status = await sidecar.connection.sendRequest(statusRequest);
    assert.equal(status.state, 'ready');
    assert.equal(status.engine?.kind, 'openai');
    assert.equal(status.engine?.model, 'test-model');
    assert.equal(status.engine?.location, server.baseUrl);
  });

  test('inline completion returns the post-processed engine text at the cursor', async () => {
    const uri = 'file:///work/total.ts';
    const text = 'const items = [1, 2, 3];\nconst total\n';
    await sidecar.open(uri, text);
    const position = { line: 1, character: 'const total'.length };
    const result = await sidecar.connection.sendRequest(InlineCompletionRequest.type, {
      textDocument: { uri },
      position,
      context: { triggerKind: InlineCompletionTriggerKind.Automatic },
    });
    assert.ok(result && 'items' in result);
    assert.equal(result.items.length, 1);
    // Single-line position: the engine's second line is cut off.
    assert.equal(result.items[0].insertText, ' = computeTotal(items);');
    assert.deepEqual(result.items[0].range, { start: position, end: position });
    const request = server.requests.filter((r) => r.path === '/v1/completions').at(-1)!;
    assert.equal(request.body.prompt, 'const items = [1, 2, 3];\nconst total');
    assert.equal(request.body.stream, true);
    const status = await sidecar.connection.sendRequest(statusRequest);
    assert.ok((status.completionLatency?.count ?? 0) >= 1, 'latency is recorded');
  });

  test('language-server context sent for a document goes into its prompt; a malformed one is ignored', async () => {
    const uri = 'file:///work/invoice.ts';
    const text = "import { parseInvoice } from './parse';\nconst invoice = parseInvoice(\n";
    await sidecar.open(uri, text);
    const position = { line: 1, character: 'const invoice = parseInvoice('.length };
    const complete = async () => {
      await sidecar.connection.sendRequest(InlineCompletionRequest.type, { textDocument: { uri }, position, context: { triggerKind: InlineCompletionTriggerKind.Invoked } });
      return String(server.requests.filter((r) => r.path === '/v1/completions').at(-1)!.body.prompt);
    };
    await sidecar.connection.sendNotification(completionContextNotification, {
      uri,
      version: 1,
      snippets: [
        { kind: 'definition', uri: 'file:///work/parse.ts', firstLine: 4, name: 'parseInvoice', text: 'export function parseInvoice(raw: string): Invoice {' },
        { kind: 'import', uri: 'file:///work/parse.ts', firstLine: 0, name: './parse', text: 'export interface Invoice {' },
      ],
    });
    assert.equal(
      await complete(),
      '// Signatures exported by /work/parse.ts:\n// export interface Invoice {\n' +
        '// Definition of parseInvoice from /work/parse.ts:\n// export function parseInvoice(raw: string): Invoice {\n' +
        text.slice(0, text.indexOf('(') + 1),
    );
    // What a buggy or foreign client might send: the sidecar logs it and keeps serving.
    await sidecar.connection.sendNotification(completionContextNotification.method, { uri, version: 2, snippets: [{ kind: 'definition' }] });
    assert.match(await complete(), /Definition of parseInvoice/, 'the malformed notification left the context as it was');
    await sidecar.connection.sendNotification(completionContextNotification, { uri, version: 3, snippets: [] });
    assert.equal(await complete(), text.slice(0, text.indexOf('(') + 1));
  });

  test('chat streams partial results that add up to the final answer', async () => {
    const token = randomUUID();
    const pieces: string[] = [];
    const subscription = sidecar.connection.onProgress(textDeltaProgress, token, (part) => {
      pieces.push(part.delta);
    });
    const result = await sidecar.connection.sendRequest(chatRequest, {
      messages: [{ role: 'user', content: 'How do I double every number?' }],
      partialResultToken: token,
    });
    subscription.dispose();
    assert.equal(result.text, answer);
    assert.equal(result.finishReason, 'stop');
    assert.ok(pieces.length > 5, `expected several streamed pieces, got ${pieces.length}`);
    assert.equal(pieces.join(''), answer);
    const sent = server.requests.filter((r) => r.path === '/v1/chat/completions').at(-1)!;
    assert.equal(sent.body.messages[0].role, 'system', 'Rook adds its system prompt');
  });

  test('cancellation mid-stream ends the request as cancelled, closes the upstream stream, and the sidecar keeps serving', async () => {
    const token = randomUUID();
    const source = new CancellationTokenSource();
    let received = 0;
    const subscription = sidecar.connection.onProgress(textDeltaProgress, token, () => {
      received++;
      if (received === 3) source.cancel();
    });
    const pending = sidecar.connection.sendRequest(
      chatRequest,
      { messages: [{ role: 'user', content: 'write something long' }], partialResultToken: token },
      source.token,
    );
    const result = await pending;
    subscription.dispose();
    assert.equal(result.finishReason, 'cancelled');
    assert.ok(received < 100, `streaming stopped early (${received} pieces of ~500)`);
    const after = await sidecar.connection.sendRequest(chatRequest, { messages: [{ role: 'user', content: 'again' }] });
    assert.equal(after.text, answer);
  });

  test('edit returns the rewritten code without its fence', async () => {
    const result = await sidecar.connection.sendRequest(editRequest, {
      uri: 'file:///work/total.ts',
      languageId: 'typescript',
      original: 'let total = 0; for (const i of items) total += i;',
      instruction: 'rewrite with sum()',
    });
    assert.equal(result.text, 'const total = sum(items);');
  });

  test('unknown methods get MethodNotFound and the sidecar keeps serving', async () => {
    await assert.rejects(sidecar.connection.sendRequest('rook/doesNotExist', {}), (error: ResponseError<unknown>) => error.code === -32601);
    const status = await sidecar.connection.sendRequest(statusRequest);
    assert.equal(status.state, 'ready');
  });

  test('malformed params get InvalidParams, not a crash', async () => {
    await assert.rejects(
      sidecar.connection.sendRequest(chatRequest, { messages: 'not a list' } as never),
      (error: ResponseError<unknown>) => error.code === RookErrorCodes.InvalidParams,
    );
    await assert.rejects(
      sidecar.configure({ engine: 'quantum' } as never),
      (error: ResponseError<unknown>) => error.code === RookErrorCodes.InvalidParams && /rook\.engine/.test(error.message),
    );
    assert.equal(sidecar.process.exitCode, null);
  });

  test('a malformed JSON-RPC frame does not kill the sidecar', async () => {
    const garbage = '{"jsonrpc": "2.0", "id": 99, "method": ';
    sidecar.process.stdin.write(`Content-Length: ${Buffer.byteLength(garbage)}\r\n\r\n${garbage}`);
    await new Promise((resolve) => setTimeout(resolve, 200));
    assert.equal(sidecar.process.exitCode, null, `sidecar exited: ${sidecar.stderr()}`);
    const status = await sidecar.connection.sendRequest(statusRequest);
    assert.equal(status.state, 'ready');
  });
});

describe('sidecar engine failures', () => {
  test('an unreachable endpoint gives an error status and a clear request error', async () => {
    const dead = await startOpenAIServer({ reply: () => '' });
    const deadUrl = dead.baseUrl;
    await dead.close();
    const sidecar = await startSidecar();
    try {
      const status = await sidecar.configure(settingsFor([deadUrl]));
      assert.equal(status.state, 'error');
      assert.match(status.message ?? '', /Cannot reach .*Is the server running\?/);
      await assert.rejects(
        sidecar.connection.sendRequest(chatRequest, { messages: [{ role: 'user', content: 'hi' }] }),
        (error: ResponseError<unknown>) => error.code === RookErrorCodes.EngineFailed && /Cannot reach/.test(error.message),
      );
    } finally {
      await sidecar.stop();
    }
  });

  test('HTTP errors, a stalled stream and a dropped connection surface as errors, then recovery', async () => {
    let mode: 'error' | 'stall' | 'drop' | 'ok' = 'error';
    const server = await startOpenAIServer({
      reply: () => 'fine answer',
      fault: () =>
        mode === 'error'
          ? { kind: 'http-error', status: 500, message: 'CUDA out of memory' }
          : mode === 'stall'
            ? { kind: 'stall', afterChunks: 1 }
            : mode === 'drop'
              ? { kind: 'drop', afterChunks: 1 }
              : undefined,
    });
    const sidecar = await startSidecar();
    const chat = () => sidecar.connection.sendRequest(chatRequest, { messages: [{ role: 'user', content: 'hi' }] });
    try {
      assert.equal((await sidecar.configure(settingsFor([server.baseUrl], { requestTimeoutMs: 1000 }))).state, 'ready');
      await assert.rejects(chat(), (error: Error) => /HTTP 500: CUDA out of memory/.test(error.message));
      mode = 'stall';
      await assert.rejects(chat(), (error: Error) => /stopped sending for 1000 ms/.test(error.message));
      mode = 'drop';
      await assert.rejects(chat(), (error: Error) => /closed the stream|connection failed/.test(error.message));
      assert.equal((await sidecar.connection.sendRequest(statusRequest)).state, 'error');
      mode = 'ok';
      assert.equal((await chat()).text, 'fine answer');
      assert.equal((await sidecar.connection.sendRequest(statusRequest)).state, 'ready');
    } finally {
      await sidecar.stop();
      await server.close();
    }
  });

  test('with two endpoints the sidecar fails over to the live one', async () => {
    const dead = await startOpenAIServer({ reply: () => '' });
    const deadUrl = dead.baseUrl;
    await dead.close();
    const live = await startOpenAIServer({ reply: () => 'from the replica' });
    const sidecar = await startSidecar();
    try {
      const status = await sidecar.configure(settingsFor([deadUrl, live.baseUrl]));
      assert.equal(status.state, 'ready');
      const result = await sidecar.connection.sendRequest(chatRequest, { messages: [{ role: 'user', content: 'hi' }] });
      assert.equal(result.text, 'from the replica');
    } finally {
      await sidecar.stop();
      await live.close();
    }
  });

  test('a sidecar killed mid-request fails the request; a new sidecar serves the next one', { timeout: 20_000 }, async () => {
    const server = await startOpenAIServer({ reply: () => 'slow '.repeat(200), chunkDelayMs: 20 });
    const first = await startSidecar();
    try {
      await first.configure(settingsFor([server.baseUrl]));
      const token = randomUUID();
      let killed = false;
      first.connection.onProgress(textDeltaProgress, token, () => {
        if (!killed) {
          killed = true;
          first.process.kill('SIGKILL');
        }
      });
      const closed = new Promise<void>((resolve) => first.connection.onClose(() => resolve()));
      const pending = first.connection.sendRequest(chatRequest, { messages: [{ role: 'user', content: 'hi' }], partialResultToken: token });
      // The client learns of the death through the connection closing, and then fails what was in flight.
      await closed;
      first.connection.dispose();
      await assert.rejects(pending, /disposed/i);
      assert.ok(killed);
      const second = await startSidecar();
      try {
        await second.configure(settingsFor([server.baseUrl]));
        const status = await second.connection.sendRequest(statusRequest);
        assert.equal(status.state, 'ready');
      } finally {
        await second.stop();
      }
    } finally {
      await first.stop();
      await server.close();
    }
  });

  test('with no engine configured the sidecar says what to set', async () => {
    const sidecar = await startSidecar();
    try {
      const status = await sidecar.configure(settingsFor([]));
      assert.equal(status.state, 'no-engine');
      assert.match(status.message ?? '', /rook\.openai\.endpoints/);
      await assert.rejects(
        sidecar.connection.sendRequest(chatRequest, { messages: [{ role: 'user', content: 'hi' }] }),
        (error: ResponseError<unknown>) => error.code === RookErrorCodes.NoEngine,
      );
    } finally {
      await sidecar.stop();
    }
  });
});
