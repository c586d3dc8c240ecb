import { describe, test, before, after } from 'node:test';
import * as assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import * as fs from 'node:fs';
import * as https from 'node:https';
import * as path from 'node:path';
import OpenAI from 'openai';
import { tinyModelFolder } from '../engine/fixtures';
import { tempDir } from '../support/tempDir';
import { postFrom, serveModelFolder, serveRefusal, startServe, type ServeProcess } from './serveProcess';

const token = 'test-token-6f1e0c2a9b';
const promptMarker = 'SECRET_PROMPT_TEXT_7d3a';

/** `bearer: null` sends no Authorization header. */
function post(serve: ServeProcess, route: string, body: unknown, bearer: string | null = token, signal?: AbortSignal): Promise<Response> {
  const headers: Record<string, string> = { 'content-type': 'application/json' };
  if (bearer !== null) headers.authorization = `Bearer ${bearer}`;
  return fetch(`${serve.baseUrl}${route}`, { method: 'POST', headers, body: typeof body === 'string' ? body : JSON.stringify(body), signal });
}

async function errorOf(response: Response): Promise<{ message: string; type: string; code: string | null; param: string | null }> {
  return ((await response.json()) as { error: { message: string; type: string; code: string | null; param: string | null } }).error;
}

describe('rook serve refuses unsafe exposure', () => {
  test('a non-loopback bind without a token refuses to start, before loading any model, and says what is missing', async () => {
    const result = await serveRefusal(['--host', '0.0.0.0', '--model', '/nonexistent/model']);
    assert.equal(result.code, 2);
    assert.match(result.output, /refusing to listen on 0\.0\.0\.0, which is not a loopback address, without a bearer token .* and TLS/);
  });

  test('a token alone is not enough on a public bind: TLS or --behind-tls-proxy is required too', async () => {
    const result = await serveRefusal(['--host', '0.0.0.0', '--model', '/nonexistent/model'], { ROOK_SERVE_TOKEN: token });
    assert.equal(result.code, 2);
    assert.match(result.output, /without TLS \(--tls-cert and --tls-key, or --behind-tls-proxy/);
    assert.doesNotMatch(result.output, /bearer token/);
  });

  test('with a token and a certificate it serves HTTPS on a public bind, and still checks the token', async () => {
    const dir = tempDir('tls');
    const [cert, key] = [path.join(dir, 'cert.pem'), path.join(dir, 'key.pem')];
    // openssl is installed by scripts/install-test-deps.sh; without it this test fails rather than skips.
    execFileSync('openssl', ['req', '-x509', '-newkey', 'ec', '-pkeyopt', 'ec_paramgen_curve:P-256', '-nodes', '-keyout', key, '-out', cert, '-days', '1', '-subj', '/CN=localhost', '-addext', 'subjectAltName=IP:127.0.0.1'], { stdio: 'ignore' });
    const serve = await startServe(['--host', '0.0.0.0', '--tls-cert', cert, '--tls-key', key, '--model', serveModelFolder()], { ROOK_SERVE_TOKEN: token });
    try {
      assert.match(serve.baseUrl, /^https:\/\/0\.0\.0\.0:\d+\/v1$/);
      const port = new URL(serve.baseUrl).port;
      const get = (authorization?: string) =>
        new Promise<number>((resolve, reject) => {
          const headers = authorization ? { authorization } : undefined;
          https.get({ host: '127.0.0.1', port, path: '/v1/models', ca: fs.readFileSync(cert), headers }, (res) => {
            res.resume();
            resolve(res.statusCode!);
          }).on('error', reject);
        });
      assert.equal(await get(`Bearer ${token}`), 200);
      assert.equal(await get(), 401);
    } finally {
      await serve.stop();
    }
  });
});

describe('rook serve with a token and limits', () => {
  let serve: ServeProcess;

  before(async () => {
    serve = await startServe(['--model', serveModelFolder(), '--max-body-bytes', '4096', '--max-prompt-chars', '1000'], { ROOK_SERVE_TOKEN: token });
  });
  after(() => serve.stop());

  test('a missing or wrong token is 401 invalid_api_key; the right one passes; /health needs none', async () => {
    for (const bearer of [null, 'wrong', `${token}x`, token.slice(0, -1)]) {
      const response = await post(serve, '/completions', { prompt: 'x', max_tokens: 1 }, bearer);
      assert.equal(response.status, 401, `token ${bearer}`);
      assert.equal(response.headers.get('www-authenticate'), 'Bearer');
      assert.equal((await errorOf(response)).code, 'invalid_api_key');
    }
    const models = await fetch(`${serve.baseUrl}/models`);
    assert.equal(models.status, 401);
    assert.equal((await post(serve, '/completions', { prompt: 'x', max_tokens: 1 })).status, 200);
    const health = await fetch(`${serve.baseUrl.replace(/\/v1$/, '')}/health`);
    assert.equal(health.status, 200);
    assert.deepEqual(await health.json(), { status: 'ok', queue: { running: 0, waiting: 0 } });
    const client = new OpenAI({ baseURL: serve.baseUrl, apiKey: 'wrong', maxRetries: 0 });
    await assert.rejects(client.models.list(), OpenAI.AuthenticationError);
  });

  test('a body over --max-body-bytes is 413, declared or streamed', async () => {
    const big = JSON.stringify({ prompt: 'x'.repeat(10_000), max_tokens: 1 });
    const declared = await post(serve, '/completions', big);
    assert.equal(declared.status, 413);
    assert.equal((await errorOf(declared)).code, 'request_too_large');
    // Without a content-length the limit is enforced while reading.
    const chunked = new ReadableStream({
      start(controller) {
        controller.enqueue(new TextEncoder().encode(big));
        controller.close();
      },
    });
    const streamed = await fetch(`${serve.baseUrl}/completions`, {
      method: 'POST',
      headers: { authorization: `Bearer ${token}`, 'content-type': 'application/json' },
      body: chunked,
      duplex: 'half',
    } as RequestInit);
    assert.equal(streamed.status, 413);
  });

  test('a prompt over --max-prompt-chars is 413 prompt_too_long, for completions and chat', async () => {
    const completion = await post(serve, '/completions', { prompt: 'y'.repeat(1500), max_tokens: 1 });
    assert.equal(completion.status, 413);
    assert.equal((await errorOf(completion)).code, 'prompt_too_long');
    const chat = await post(serve, '/chat/completions', { messages: [{ role: 'user', content: 'z'.repeat(600) }, { role: 'user', content: 'z'.repeat(600) }] });
    assert.equal(chat.status, 413);
  });

  test('logs record each request but no prompt, completion or token', async () => {
    const response = await post(serve, '/chat/completions', { messages: [{ role: 'user', content: promptMarker }], max_tokens: 3 });
    const answer = ((await response.json()) as { choices: Array<{ message: { content: string } }> }).choices[0].message.content;
    await post(serve, '/completions', { prompt: promptMarker, max_tokens: 3 });
    await new Promise((resolve) => setTimeout(resolve, 100));
    const output = serve.output();
    assert.match(output, /POST \/v1\/chat\/completions 200 .*pieces=3/);
    assert.ok(!output.includes(promptMarker), 'no prompt text');
    assert.ok(!output.includes(token), 'no token');
    if (answer.trim().length >= 3) assert.ok(!output.includes(answer), 'no completion text');
  });
});

describe('rook serve quotes request values only as short excerpts', () => {
  let serve: ServeProcess;
  before(async () => {
    serve = await startServe(['--model', serveModelFolder()]);
  });
  after(() => serve.stop());

  /** 500 KB with terminal escapes, a forged log line and a bell; a fragment no excerpt reaches is the marker. */
  const hostile = `7\u001b[2J\u001b]0;owned\u0007\r\nFORGED-LOG-LINE 200\n${'A'.repeat(250_000)}HOSTILE_TAIL_91c2${'B'.repeat(250_000)}`;

  for (const [what, route, body, param, code] of [
    ['a max_tokens string', '/completions', { prompt: 'x', max_tokens: hostile }, 'max_tokens', 'invalid_value'],
    ['a model name', '/chat/completions', { model: hostile, messages: [{ role: 'user', content: 'x' }] }, 'model', 'model_not_found'],
    ['a temperature string', '/chat/completions', { temperature: hostile, messages: [{ role: 'user', content: 'x' }] }, 'temperature', 'invalid_value'],
  ] as const) {
    test(`${what} of 500 KB with control characters is neither logged nor echoed whole`, async () => {
      const before = serve.output().length;
      const response = await post(serve, route, body, null);
      const error = await errorOf(response);
      assert.equal(error.param, param);
      assert.equal(error.code, code);
      assert.ok(error.message.length < 300, `error message of ${error.message.length} characters`);
      assert.ok(error.message.includes(`"7\\u001b[2J\\u001b]0;owned\\u0007\\u000d\\u000aFORGED-LOG-LINE"... (${hostile.length} characters)`), error.message);
      assert.doesNotMatch(error.message, /[^\x20-\x7e]/, 'only printable ASCII');
      await new Promise((resolve) => setTimeout(resolve, 100));
      const logged = serve.output().slice(before);
      assert.ok(logged.length < 1000, `log grew by ${logged.length} characters: ${logged.slice(0, 300)}`);
      assert.match(logged, new RegExp(`POST /v1${route} ${response.status} .*param=${param}`));
      assert.ok(!logged.includes('HOSTILE_TAIL') && !logged.includes('A'.repeat(100)), 'not the value');
      assert.doesNotMatch(logged, /[\u0000-\u0009\u000b-\u001f\u007f]/, 'no control characters but the newline ending the line');
      assert.doesNotMatch(logged, /^FORGED/m, 'no forged line');
    });
  }

  test('a long path is cut in the 404 and the log', async () => {
    const before = serve.output().length;
    const response = await post(serve, `/${'p'.repeat(8000)}%1b%0aFORGED`, {}, null);
    assert.equal(response.status, 404);
    const error = await errorOf(response);
    assert.ok(error.message.length < 200, error.message);
    await new Promise((resolve) => setTimeout(resolve, 100));
    const logged = serve.output().slice(before);
    assert.ok(logged.length < 500, logged);
    assert.ok(!logged.includes('FORGED'), logged);
  });
});

describe('rook serve with --debug-log', () => {
  test('logs prompts only when the operator asks for it', async () => {
    const serve = await startServe(['--model', serveModelFolder(), '--debug-log']);
    try {
      await post(serve, '/completions', { prompt: promptMarker, max_tokens: 1 }, null);
      await new Promise((resolve) => setTimeout(resolve, 100));
      assert.ok(serve.output().includes(promptMarker), serve.output());
    } finally {
      await serve.stop();
    }
  });
});

describe('rook serve rate limit and queue', () => {
  test('a client over --rate-limit gets 429 rate_limit_exceeded with Retry-After', async () => {
    const serve = await startServe(['--model', serveModelFolder(), '--rate-limit', '3']);
    try {
      const statuses: number[] = [];
      for (let i = 0; i < 3; i++) statuses.push((await fetch(`${serve.baseUrl}/models`)).status);
      assert.deepEqual(statuses, [200, 200, 200]);
      const limited = await fetch(`${serve.baseUrl}/models`);
      assert.equal(limited.status, 429);
      assert.ok(Number(limited.headers.get('retry-after')) >= 1, `Retry-After: ${limited.headers.get('retry-after')}`);
      assert.equal((await errorOf(limited)).code, 'rate_limit_exceeded');
      const client = new OpenAI({ baseURL: serve.baseUrl, apiKey: 'x', maxRetries: 0 });
      await assert.rejects(client.completions.create({ model: 'm', prompt: 'x' }), OpenAI.RateLimitError);
    } finally {
      await serve.stop();
    }
  });

  test('over its queue share a client gets 429; with the queue full everyone gets 503; both say when to retry', async () => {
    // A long context, so that the streams below are still generating (8,000 tokens, several seconds) when the next
    // request comes, however slow the machine: a tiny model decodes 1,024 tokens in about a second. Greedy, so that no
    // stream samples its end-of-text token early (at temperature 1 one did, about once in three runs).
    const serve = await startServe(['--model', tinyModelFolder({ contextLength: 16384 }, 11).dir, '--max-queue', '2', '--max-queue-per-client', '1']);
    const controller = new AbortController();
    // Clients are told apart by address; each is a loopback address of its own.
    const long = (from: string, user?: string) =>
      postFrom(from, `${serve.baseUrl}/completions`, { prompt: 'busy', max_tokens: 8000, temperature: 0, stream: true, user }, { signal: controller.signal });
    try {
      const running = await long('127.0.0.1');
      assert.equal(running.status, 200);
      // Another end-user id from the same address is still the same client, over its share.
      for (const user of [undefined, 'another-user']) {
        const secondFromA = await long('127.0.0.1', user);
        assert.equal(secondFromA.status, 429);
        assert.equal((await errorOf(secondFromA)).code, 'queue_share_exceeded');
        assert.ok(Number(secondFromA.headers.get('retry-after')) >= 1);
      }
      const waiting = long('127.0.0.2');
      await new Promise((resolve) => setTimeout(resolve, 50));
      const full = await long('127.0.0.3');
      assert.equal(full.status, 503);
      assert.equal((await errorOf(full)).code, 'queue_full');
      assert.ok(Number(full.headers.get('retry-after')) >= 1);
      controller.abort();
      await waiting.catch(() => undefined);
      // Disconnected clients leave the queue: the next request is served once the aborted generations (both run at
      // once, as the engine batches) have stopped at their next step.
      let after = await postFrom('127.0.0.4', `${serve.baseUrl}/completions`, { prompt: 'x', max_tokens: 1 });
      for (let tries = 0; after.status === 503 && tries < 50; tries++) {
        await new Promise((resolve) => setTimeout(resolve, 100));
        after = await postFrom('127.0.0.4', `${serve.baseUrl}/completions`, { prompt: 'x', max_tokens: 1 });
      }
      assert.equal(after.status, 200);
    } finally {
      controller.abort();
      await serve.stop();
    }
  });
});
