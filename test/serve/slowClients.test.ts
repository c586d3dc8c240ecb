import { describe, test, before, after } from 'node:test';
import * as assert from 'node:assert/strict';
import * as net from 'node:net';
import OpenAI from 'openai';
import type { Engine, StreamEvent } from '../../server/engines/engine';
import { serveLog } from '../../server/serve/log';
import { defaultServeLimits, startServe, type RunningServer } from '../../server/serve/server';

/** Short limits, so that each check takes a second or two; production uses 10 s, 30 s and 5 s. */
const limits = { ...defaultServeLimits, headersTimeoutMs: 800, requestTimeoutMs: 1200, keepAliveTimeoutMs: 500 };
/** Node checks the timeouts on an interval (a quarter of the shorter one, here 200 ms); plus scheduling under load. */
const slackMs = 1000;

/** Streams 10 pieces 200 ms apart: 2 s, longer than the request timeout and two of Node's checks of it. */
const slowEngine: Engine = {
  info: { kind: 'local', model: 'slow-model', location: 'memory' },
  capabilities: async () => ({ model: 'slow-model', fim: false, contextLength: 4096 }),
  async *complete(_request, signal): AsyncIterable<StreamEvent> {
    for (let i = 0; i < 10 && !signal.aborted; i++) {
      await new Promise((resolve) => setTimeout(resolve, 200));
      yield { kind: 'text', text: `${i} ` };
    }
    yield { kind: 'end', finishReason: 'length' };
  },
  async *chat(): AsyncIterable<StreamEvent> {
    yield { kind: 'end', finishReason: 'stop' };
  },
  dispose: async () => undefined,
};

interface RawOutcome {
  /** Milliseconds from connecting until the server closed the connection. */
  closedAfterMs: number;
  received: string;
}

/**
 * Opens a raw connection, writes `head`, then `drip` every 100 ms until the server closes the
 * connection; gives up (and fails the check that uses it) after `giveUpMs`.
 */
function trickle(server: RunningServer, head: string, drip: string, giveUpMs = 5000): Promise<RawOutcome> {
  const { hostname, port } = new URL(server.origin);
  return new Promise((resolve, reject) => {
    const started = Date.now();
    const socket = net.connect(Number(port), hostname);
    let received = '';
    socket.on('data', (chunk: Buffer) => (received += chunk.toString()));
    socket.on('error', () => undefined);
    socket.write(head);
    const dripping = setInterval(() => {
      if (!socket.destroyed) socket.write(drip);
    }, 100);
    const giveUp = setTimeout(() => {
      socket.destroy();
      reject(new Error(`the server still held the connection after ${giveUpMs} ms`));
    }, giveUpMs);
    socket.on('close', () => {
      clearInterval(dripping);
      clearTimeout(giveUp);
      resolve({ closedAfterMs: Date.now() - started, received });
    });
  });
}

describe('rook serve and slow clients', () => {
  let server: RunningServer;
  const logLines: string[] = [];

  before(async () => {
    server = await startServe(slowEngine, { host: '127.0.0.1', port: 0, behindTlsProxy: false, limits, log: serveLog((line) => logLines.push(line), false) });
  });
  after(() => server.close());

  test('a client that sends its headers, then trickles the body, gets 408 and is disconnected within the request timeout', async () => {
    const head = 'POST /v1/completions HTTP/1.1\r\nHost: rook\r\nContent-Type: application/json\r\nContent-Length: 100000\r\n\r\n{"prompt":"';
    const outcome = await trickle(server, head, 'x');
    assert.match(outcome.received, /^HTTP\/1\.1 408 /);
    assert.ok(outcome.closedAfterMs >= limits.requestTimeoutMs - 50 && outcome.closedAfterMs < limits.requestTimeoutMs + slackMs, `closed after ${outcome.closedAfterMs} ms`);
    await new Promise((resolve) => setTimeout(resolve, 50));
    assert.match(logLines.at(-1)!, /POST \/v1\/completions disconnected .*error="client disconnected"/);
  });

  test('a client that trickles its headers is disconnected within the headers timeout', async () => {
    const outcome = await trickle(server, 'POST /v1/completions HTTP/1.1\r\nHost: rook\r\n', 'X-Slow: y\r\n');
    assert.ok(outcome.received === '' || /^HTTP\/1\.1 408 /.test(outcome.received), outcome.received);
    assert.ok(outcome.closedAfterMs < limits.headersTimeoutMs + slackMs, `closed after ${outcome.closedAfterMs} ms`);
  });

  test('an idle keep-alive connection is closed after the keep-alive timeout', async () => {
    const outcome = await trickle(server, 'GET /health HTTP/1.1\r\nHost: rook\r\n\r\n', '');
    assert.match(outcome.received, /^HTTP\/1\.1 200 /);
    // Node waits a second past the timeout it advertises, so a client never sends into a closing connection.
    assert.ok(outcome.closedAfterMs < limits.keepAliveTimeoutMs + 1000 + slackMs, `closed after ${outcome.closedAfterMs} ms`);
  });

  test('a response that streams for longer than the request timeout is not cut off, streamed or whole', async () => {
    const client = new OpenAI({ baseURL: `${server.origin}/v1`, apiKey: 'x', maxRetries: 0 });
    const started = Date.now();
    const stream = await client.completions.create({ model: 'slow-model', prompt: 'p', max_tokens: 10, stream: true });
    let text = '';
    let finish: string | null = null;
    for await (const chunk of stream) {
      text += chunk.choices[0].text;
      finish = chunk.choices[0].finish_reason ?? finish;
    }
    assert.ok(Date.now() - started > limits.requestTimeoutMs + 400, 'the stream outlasted the timeout and two checks of it');
    assert.equal(text, '0 1 2 3 4 5 6 7 8 9 ');
    assert.equal(finish, 'length');
    const whole = await client.completions.create({ model: 'slow-model', prompt: 'p', max_tokens: 10 });
    assert.equal(whole.choices[0].text, '0 1 2 3 4 5 6 7 8 9 ');
  });
});
