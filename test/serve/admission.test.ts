import { describe, test } from 'node:test';
import * as assert from 'node:assert/strict';
import OpenAI from 'openai';
import type { Engine, StreamEvent } from '../../server/engines/engine';
import { ApiError } from '../../server/serve/apiError';
import { bearerCheck } from '../../server/serve/auth';
import { exposureProblem, isLoopback } from '../../server/serve/exposure';
import { FairQueue } from '../../server/serve/fairQueue';
import { RateLimiter } from '../../server/serve/rateLimit';
import { serveLog } from '../../server/serve/log';
import { defaultServeLimits, startServe } from '../../server/serve/server';
import { postFrom, serveRefusal } from './serveProcess';

const signal = () => new AbortController().signal;

describe('FairQueue', () => {
  test('serves waiting clients round-robin, not first come first served', async () => {
    const queue = new FairQueue({ capacity: 10, perClient: 5, slots: 1 });
    const order: string[] = [];
    const releaseRunning = await queue.acquire('x', signal());
    const waiters = ['a1', 'a2', 'a3', 'b1'].map((name) =>
      queue.acquire(name[0], signal()).then((release) => {
        order.push(name);
        release();
      }),
    );
    assert.deepEqual(queue.stats, { running: 1, waiting: 4 });
    releaseRunning();
    await Promise.all(waiters);
    assert.deepEqual(order, ['a1', 'b1', 'a2', 'a3']);
    assert.deepEqual(queue.stats, { running: 0, waiting: 0 });
  });

  test("refuses a client over its share with 429 and everyone over capacity with 503, each with Retry-After", async () => {
    const queue = new FairQueue({ capacity: 3, perClient: 2, slots: 1 });
    await queue.acquire('a', signal());
    void queue.acquire('a', signal());
    await assert.rejects(queue.acquire('a', signal()), (error: ApiError) => error.status === 429 && error.code === 'queue_share_exceeded' && error.retryAfterSeconds! >= 1);
    void queue.acquire('b', signal());
    await assert.rejects(queue.acquire('c', signal()), (error: ApiError) => error.status === 503 && error.code === 'queue_full' && error.retryAfterSeconds! >= 1);
  });

  test("end-user ids take turns within their client's share and earn it neither more places nor more turns", async () => {
    const queue = new FairQueue({ capacity: 100, perClient: 3, slots: 1 });
    const order: string[] = [];
    const releaseRunning = await queue.acquire('x', signal());
    const take = (client: string, user: string, name: string) =>
      queue.acquire(client, signal(), user).then((release) => {
        order.push(name);
        release();
      });
    const admitted = [take('a', 'u1', 'a-u1-1'), take('a', 'u1', 'a-u1-2'), take('a', 'u2', 'a-u2-1')];
    // The share is the client's, whatever user each request names.
    for (const user of ['u3', 'u4', 'u5']) {
      await assert.rejects(queue.acquire('a', signal(), user), (error: ApiError) => error.status === 429 && error.code === 'queue_share_exceeded');
    }
    admitted.push(take('b', '', 'b-1'), take('b', '', 'b-2'));
    releaseRunning();
    await Promise.all(admitted);
    // Clients alternate; within a's turns its users alternate.
    assert.deepEqual(order, ['a-u1-1', 'b-1', 'a-u2-1', 'b-2', 'a-u1-2']);
    assert.deepEqual(queue.stats, { running: 0, waiting: 0 });
  });

  test('a caller that gives up while waiting leaves the queue', async () => {
    const queue = new FairQueue({ capacity: 2, perClient: 2, slots: 1 });
    const release = await queue.acquire('a', signal());
    const controller = new AbortController();
    const waiting = queue.acquire('b', controller.signal);
    controller.abort(new Error('gone'));
    await assert.rejects(waiting, /gone/);
    assert.deepEqual(queue.stats, { running: 1, waiting: 0 });
    release();
    (await queue.acquire('c', signal()))();
  });
});

describe('RateLimiter', () => {
  test("allows a minute's allowance at once, then says how long until the next request", () => {
    let now = 0;
    const limiter = new RateLimiter(3, () => now);
    assert.deepEqual([limiter.take('a'), limiter.take('a'), limiter.take('a')], [0, 0, 0]);
    assert.equal(limiter.take('a'), 20);
    assert.equal(limiter.take('b'), 0, 'clients have separate allowances');
    now += 20_000;
    assert.equal(limiter.take('a'), 0);
  });
});

describe('bearer token and exposure rules', () => {
  test('only the exact token passes', () => {
    const check = bearerCheck('s3cret');
    assert.equal(check('Bearer s3cret'), true);
    for (const header of [undefined, '', 'Bearer ', 'Bearer s3cre', 'Bearer s3cret2', 'Basic s3cret', 's3cret']) assert.equal(check(header), false, String(header));
    assert.equal(bearerCheck(undefined)(undefined), true, 'no token configured: open (loopback only)');
  });

  test('loopback is always allowed; other addresses need a token and TLS or a TLS proxy', () => {
    for (const host of ['127.0.0.1', '127.8.0.1', 'localhost', '::1']) assert.ok(isLoopback(host), host);
    for (const host of ['0.0.0.0', '::', '192.168.1.5', 'example.com']) assert.ok(!isLoopback(host), host);
    assert.equal(exposureProblem({ host: '0.0.0.0', token: 't', tls: true, behindTlsProxy: false }), undefined);
    assert.equal(exposureProblem({ host: '0.0.0.0', token: 't', tls: false, behindTlsProxy: true }), undefined);
    assert.match(exposureProblem({ host: '0.0.0.0', tls: true, behindTlsProxy: false })!, /without a bearer token/);
    assert.match(exposureProblem({ host: '10.0.0.2', token: 't', tls: false, behindTlsProxy: false })!, /without TLS/);
  });
});

/** Each generation takes about 300 ms and records its prompt when it starts. */
function slowEngine(started: string[]): Engine {
  async function* generate(prompt: string, signal: AbortSignal): AsyncIterable<StreamEvent> {
    started.push(prompt);
    for (let i = 0; i < 10 && !signal.aborted; i++) {
      await new Promise((resolve) => setTimeout(resolve, 30));
      yield { kind: 'text', text: `${i} ` };
    }
    yield { kind: 'end', finishReason: 'length' };
  }
  return {
    info: { kind: 'local', model: 'slow-model', location: 'memory' },
    capabilities: async () => ({ model: 'slow-model', fim: false, contextLength: 4096 }),
    complete: (request, signal) => generate(request.prompt, signal),
    chat: (request, signal) => generate(request.messages.at(-1)!.content, signal),
    dispose: async () => undefined,
  };
}

describe('rook serve fairness between clients', () => {
  test('one address sending many streams, each with its own `user`, cannot take the queue from another client', async () => {
    const started: string[] = [];
    const limits = { ...defaultServeLimits, queueCapacity: 16, queuePerClient: 4 };
    const server = await startServe(slowEngine(started), { host: '127.0.0.1', port: 0, behindTlsProxy: false, limits, log: serveLog(() => undefined, false) });
    const controller = new AbortController();
    try {
      // The flood: 16 streams from 127.0.0.2, each naming a different end user. Refusals come at once;
      // the accepted streams answer only when their turn comes.
      const answers: Array<{ status: number; code: string | null }> = [];
      for (let i = 0; i < 16; i++) {
        postFrom('127.0.0.2', `${server.origin}/v1/completions`, { prompt: `flood-${i}`, max_tokens: 10, stream: true, user: `user-${i}` }, { signal: controller.signal }).then(
          async (response) => answers.push({ status: response.status, code: response.status === 200 ? null : ((await response.json()) as { error: { code: string } }).error.code }),
          () => undefined,
        );
      }
      const refused = () => answers.filter((answer) => answer.status === 429);
      for (let waited = 0; refused().length < 12 && waited < 1000; waited += 20) await new Promise((resolve) => setTimeout(resolve, 20));
      assert.equal(refused().length, 12, `the flood holds its share of 4 places, the rest is refused: ${JSON.stringify(answers)}`);
      assert.ok(refused().every((answer) => answer.code === 'queue_share_exceeded'));

      // Another client, from 127.0.0.1, is served after at most one more of the flood's generations.
      const client = new OpenAI({ baseURL: `${server.origin}/v1`, apiKey: 'x', maxRetries: 0 });
      const sent = Date.now();
      const answer = await client.chat.completions.create({ model: 'slow-model', messages: [{ role: 'user', content: 'other-client' }], max_tokens: 10, user: 'someone' });
      const waitedMs = Date.now() - sent;
      assert.equal(answer.choices[0].finish_reason, 'length');
      assert.ok(started.indexOf('other-client') <= 2, `generations in order: ${started.join(', ')}`);
      assert.ok(waitedMs < 2000, `the other client waited ${waitedMs} ms`);
    } finally {
      controller.abort();
      await server.close();
    }
  });
});

describe('rook serve --max-sequences', () => {
  test('a batch size that is not a whole number of at least 1 is refused before the model loads, naming the flag', async () => {
    for (const value of ['0', '2.5', 'many']) {
      const result = await serveRefusal(['--max-sequences', value, '--model', '/nonexistent/model']);
      assert.notEqual(result.code, 0);
      assert.match(result.output, new RegExp(`--max-sequences must be an integer of at least 1; got "${value.replace('.', '\\.')}"`));
    }
  });
});
