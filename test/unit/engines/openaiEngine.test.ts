import { describe, test, after, before } from 'node:test';
import * as assert from 'node:assert/strict';
import { drain, EngineError } from '../../../server/engines/engine';
import { normalizeBaseUrl, OpenAIEngine } from '../../../server/engines/openai/openaiEngine';
import { startOpenAIServer, type Fault, type OpenAIServer } from '../../support/openaiServer';

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
