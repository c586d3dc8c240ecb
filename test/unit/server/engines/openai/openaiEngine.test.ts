import { describe, test, after, before } from 'node:test';
import * as assert from 'node:assert/strict';
import { completeAt } from '../../../../../server/completion/complete';
import { drain, EngineError } from '../../../../../server/engines/engine';
import { normalizeBaseUrl, OpenAIEngine } from '../../../../../server/engines/openai/openaiEngine';
import { startOpenAIServer, type Fault, type OpenAIServer } from '../../../../support/openaiServer';

const signal = () => new AbortController().signal;

describe('OpenAIEngine against an OpenAI-protocol server', () => {
  let server: OpenAIServer;
  let fault: Fault | undefined;

  before(async () => {
    server = await startOpenAIServer({
      reply: ({ path, body }) => (path === '/v1/completions' ? `<${body.prompt}|${body.suffix ?? ''}>` : 'chat answer'),
      fault: () => fault,
      apiKey: 'secret-key',
      contextLength: 8192,
    });
  });
  after(() => server.close());

  const engine = (overrides: Partial<ConstructorParameters<typeof OpenAIEngine>[0]> = {}) =>
    new OpenAIEngine({ baseUrl: server.baseUrl, model: '', apiKey: 'secret-key', timeoutMs: 1000, ...overrides });

  test('detects the model and context length from /v1/models', async () => {
    const capabilities = await engine().capabilities();
    assert.deepEqual(capabilities, { model: 'test-model', fim: false, contextLength: 8192 });
  });

  test('streams a completion and sends prompt, suffix, stop and the bearer token', async () => {
    fault = undefined;
    const pieces: string[] = [];
    const result = await drain(engine().complete({ prompt: 'abc', suffix: 'xyz', maxTokens: 8, temperature: 0, stop: ['\n'] }, signal()), (t) => {
      pieces.push(t);
    });
    assert.equal(result.text, '<abc|xyz>');
    assert.ok(pieces.length > 1);
    const request = server.requests.at(-1)!;
    assert.equal(request.headers.authorization, 'Bearer secret-key');
    assert.deepEqual([request.body.prompt, request.body.suffix, request.body.stop, request.body.stream], ['abc', 'xyz', ['\n'], true]);
  });

  test('streams chat deltas', async () => {
    fault = undefined;
    const result = await drain(engine().chat({ messages: [{ role: 'user', content: 'hi' }], maxTokens: 8, temperature: 0 }, signal()));
    assert.equal(result.text, 'chat answer');
  });

  test('a wrong key gets a 401 error that says what to do', async () => {
    await assert.rejects(engine({ apiKey: 'wrong' }).capabilities(), (error: EngineError) => {
      assert.equal(error.status, 401);
      assert.match(error.message, /Set API Key/);
      assert.equal(error.retryable, false);
      return true;
    });
  });

  test('an unknown model names the models the server has', async () => {
    await assert.rejects(engine({ model: 'grok-9' }).capabilities(), /does not serve model "grok-9" \(it serves: test-model\)/);
  });

  test('a body that is not an event stream is an error, not silence', async () => {
    fault = { kind: 'garbage' };
    await assert.rejects(drain(engine().chat({ messages: [], maxTokens: 8, temperature: 0 }, signal())), /closed the stream before it finished/);
  });

  test('429 and 5xx are retryable, 4xx is not', async () => {
    fault = { kind: 'http-error', status: 429, message: 'slow down' };
    await assert.rejects(drain(engine().chat({ messages: [], maxTokens: 8, temperature: 0 }, signal())), (e: EngineError) => e.retryable);
    fault = { kind: 'http-error', status: 400, message: 'bad' };
    await assert.rejects(drain(engine().chat({ messages: [], maxTokens: 8, temperature: 0 }, signal())), (e: EngineError) => !e.retryable && /HTTP 400: bad/.test(e.message));
  });

  test('aborting ends the stream as cancelled without an error', async () => {
    fault = undefined;
    const controller = new AbortController();
    const events: string[] = [];
    for await (const event of engine().chat({ messages: [], maxTokens: 8, temperature: 0 }, controller.signal)) {
      events.push(event.kind === 'text' ? 'text' : event.finishReason);
      if (events.length === 1) controller.abort();
    }
    assert.deepEqual(events, ['text', 'cancelled']);
  });
});

describe('normalizeBaseUrl', () => {
  test('drops trailing slashes', () => assert.equal(normalizeBaseUrl(' http://h:1/v1/ '), 'http://h:1/v1'));
  test('rejects non-URLs with an example', () => assert.throws(() => normalizeBaseUrl('localhost:8000'), /must use http or https|not a URL/));
  test('rejects other protocols', () => assert.throws(() => normalizeBaseUrl('file:///etc/passwd'), /http or https/));
});

describe('OpenAIEngine log-probabilities, for the confidence threshold', () => {
  let server: OpenAIServer;
  let refuseLogprobs = false;

  before(async () => {
    server = await startOpenAIServer({
      reply: () => 'return value\nnext line',
      // A certain first line, a guessed second one.
      logprobOf: (piece) => (piece.includes('next') || piece.includes('line') ? Math.log(0.01) : Math.log(0.9)),
      fault: ({ body }) =>
        refuseLogprobs && body.logprobs !== undefined ? { kind: 'http-error', status: 400, message: 'logprobs is not supported' } : undefined,
      chunkSize: 6,
    });
  });
  after(() => server.close());

  test('asks for the chosen tokens\' log-probabilities and streams them with the text', async () => {
    refuseLogprobs = false;
    const events = [];
    for await (const event of new OpenAIEngine({ baseUrl: server.baseUrl, model: '', timeoutMs: 1000 }).complete({ prompt: 'x', maxTokens: 8, temperature: 0 }, signal())) events.push(event);
    assert.equal(server.requests.at(-1)!.body.logprobs, 1);
    const texts = events.filter((e) => e.kind === 'text');
    assert.ok(texts.length > 1);
    for (const event of texts) assert.equal(event.logprobs?.length, 1);
    assert.ok(Math.abs(texts[0].logprobs![0] - Math.log(0.9)) < 1e-12);
  });

  test('the completion path holds back a suggestion below the threshold and shows one above it', async () => {
    refuseLogprobs = false;
    const engine = new OpenAIEngine({ baseUrl: server.baseUrl, model: '', timeoutMs: 1000 });
    const sure = await completeAt(engine, 'x = ', 4, { maxTokens: 8, temperature: 0, minConfidence: 0.5 }, signal());
    assert.equal(sure.insertText, 'return value');
    assert.ok(sure.confidence && Math.abs(sure.confidence.mean - 0.9) < 1e-9, JSON.stringify(sure.confidence));
    const unsure = await completeAt(engine, 'x = ', 4, { maxTokens: 8, temperature: 0, minConfidence: 0.95 }, signal());
    assert.equal(unsure.insertText, '');
    assert.equal(unsure.belowConfidence, true);
  });

  test('a server that refuses logprobs is asked again without them, and not asked for them again', async () => {
    refuseLogprobs = true;
    const engine = new OpenAIEngine({ baseUrl: server.baseUrl, model: '', timeoutMs: 1000 });
    const first = await drain(engine.complete({ prompt: 'x', maxTokens: 8, temperature: 0 }, signal()));
    assert.equal(first.text, 'return value\nnext line');
    const asked = server.requests.length;
    await drain(engine.complete({ prompt: 'x', maxTokens: 8, temperature: 0 }, signal()));
    assert.equal(server.requests.length, asked + 1);
    assert.equal(server.requests.at(-1)!.body.logprobs, undefined);
    // Without log-probabilities nothing is held back.
    const answer = await completeAt(engine, 'x = ', 4, { maxTokens: 8, temperature: 0, minConfidence: 0.99 }, signal());
    assert.equal(answer.insertText, 'return value');
    assert.equal(answer.confidence, undefined);
  });
});
