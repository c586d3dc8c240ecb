import { describe, test, before, after } from 'node:test';
import * as assert from 'node:assert/strict';
import OpenAI from 'openai';
import { drain, type Engine, type StreamEvent } from '../../server/engines/engine';
import { OpenAIEngine } from '../../server/engines/openai/openaiEngine';
import { serveLog } from '../../server/serve/log';
import { defaultServeLimits, startServe, type RunningServer } from '../../server/serve/server';
import { startOpenAIServer, type OpenAIServer } from '../support/openaiServer';

const signal = () => new AbortController().signal;

/** An engine with fill-in-the-middle for routing logic only: it answers `[prompt|suffix]`. */
const fimEngine: Engine = {
  info: { kind: 'local', model: 'fim-model', location: 'memory' },
  capabilities: async () => ({ model: 'fim-model', fim: true, contextLength: 4096 }),
  async *complete(request): AsyncIterable<StreamEvent> {
    yield { kind: 'text', text: `[${request.prompt}|${request.suffix ?? ''}]` };
    yield { kind: 'end', finishReason: 'stop' };
  },
  async *chat(): AsyncIterable<StreamEvent> {
    yield { kind: 'end', finishReason: 'stop' };
  },
  dispose: async () => undefined,
};

describe('rook serve with an engine that has fill-in-the-middle', () => {
  let server: RunningServer;
  const logLines: string[] = [];

  before(async () => {
    server = await startServe(fimEngine, { host: '127.0.0.1', port: 0, behindTlsProxy: false, limits: defaultServeLimits, log: serveLog((line) => logLines.push(line), false) });
  });
  after(() => server.close());

  test('advertises fim in /v1/models and passes suffix through to the engine', async () => {
    const client = new OpenAI({ baseURL: `${server.origin}/v1`, apiKey: 'x', maxRetries: 0 });
    assert.equal(((await client.models.list()).data[0] as { fim?: boolean }).fim, true);
    const completion = await client.completions.create({ model: 'fim-model', prompt: 'before', suffix: 'after', max_tokens: 4 });
    assert.equal(completion.choices[0].text, '[before|after]');
  });

  test("Rook's client detects the FIM support and sends the suffix", async () => {
    const engine = new OpenAIEngine({ baseUrl: `${server.origin}/v1`, model: '', timeoutMs: 2000, detectFim: true });
    assert.deepEqual(await engine.capabilities(), { model: 'fim-model', fim: true, contextLength: 4096 });
    assert.equal((await drain(engine.complete({ prompt: 'a', suffix: 'b', maxTokens: 4, temperature: 0 }, signal()))).text, '[a|b]');
  });
});

describe("Rook's client against a server without fill-in-the-middle", () => {
  let server: OpenAIServer;
  let probeFault: 'refuse' | 'crash' = 'refuse';

  before(async () => {
    server = await startOpenAIServer({
      reply: ({ body }) => `<${body.prompt}|${body.suffix ?? 'no suffix'}>`,
      // vLLM's answer to a suffix; the probe is the only request here that sends one.
      fault: ({ body }) =>
        body.suffix === undefined
          ? undefined
          : probeFault === 'refuse'
            ? { kind: 'http-error', status: 400, message: 'suffix is not currently supported' }
            : { kind: 'http-error', status: 500, message: 'engine restarting' },
    });
  });
  after(() => server.close());

  test('a 400 naming suffix means no FIM, and completions then go without the suffix', async () => {
    probeFault = 'refuse';
    const engine = new OpenAIEngine({ baseUrl: server.baseUrl, model: '', timeoutMs: 2000, detectFim: true });
    assert.equal((await engine.capabilities()).fim, false);
    const probes = server.requests.filter((r) => r.body?.suffix !== undefined);
    assert.equal(probes.length, 1, 'probed once');
    assert.equal(probes[0].body.max_tokens, 1);
    const result = await drain(engine.complete({ prompt: 'p', suffix: 's', maxTokens: 4, temperature: 0 }, signal()));
    assert.equal(result.text, '<p|no suffix>');
    await engine.capabilities();
    assert.equal(server.requests.filter((r) => r.body?.suffix !== undefined).length, 1, 'the verdict is remembered');
  });

  test('a failing probe leaves FIM off but still detects the model', async () => {
    probeFault = 'crash';
    const engine = new OpenAIEngine({ baseUrl: server.baseUrl, model: '', timeoutMs: 2000, detectFim: true });
    assert.deepEqual(await engine.capabilities(), { model: 'test-model', fim: false, contextLength: 4096 });
  });
});
