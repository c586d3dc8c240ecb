import { describe, test } from 'node:test';
import * as assert from 'node:assert/strict';
import { ApiError } from '../../server/serve/apiError';
import { bearerCheck } from '../../server/serve/auth';
import { exposureProblem, isLoopback } from '../../server/serve/exposure';
import { FairQueue } from '../../server/serve/fairQueue';
import { RateLimiter } from '../../server/serve/rateLimit';

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
