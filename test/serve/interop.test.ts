import { describe, test, before, after } from 'node:test';
import * as assert from 'node:assert/strict';
import * as path from 'node:path';
import OpenAI from 'openai';
import { drain } from '../../server/engines/engine';
import { OpenAIEngine } from '../../server/engines/openai/openaiEngine';
import { serveModelFolder, startServe, type ServeProcess } from './serveProcess';

const signal = () => new AbortController().signal;

describe('rook serve with the official openai client', () => {
  let serve: ServeProcess;
  let client: OpenAI;
  let model: string;

  before(async () => {
    const dir = serveModelFolder();
    model = path.basename(dir);
    serve = await startServe(['--model', dir]);
    client = new OpenAI({ baseURL: serve.baseUrl, apiKey: 'not-checked-without---token', maxRetries: 0 });
  });
  after(() => serve.stop());

  test('GET /v1/models lists the model with its context length and FIM flag', async () => {
    const models = await client.models.list();
    assert.equal(models.data.length, 1);
    const entry = models.data[0] as OpenAI.Models.Model & { context_length?: number; max_model_len?: number; fim?: boolean };
    assert.equal(entry.id, model);
    assert.equal(entry.context_length, 2048);
    assert.equal(entry.max_model_len, 2048);
    assert.equal(typeof entry.fim, 'boolean');
  });

  test('a completion streamed is the same text as the completion answered whole', async () => {
    const whole = await client.completions.create({ model, prompt: 'def add(a, b):', max_tokens: 6, temperature: 0 });
    assert.equal(whole.object, 'text_completion');
    assert.equal(whole.choices[0].finish_reason, 'length');
    const stream = await client.completions.create({ model, prompt: 'def add(a, b):', max_tokens: 6, temperature: 0, stream: true });
    let text = '';
    let chunks = 0;
    let finish: string | null = null;
    for await (const chunk of stream) {
      chunks++;
      text += chunk.choices[0].text;
      finish = chunk.choices[0].finish_reason ?? finish;
    }
    assert.ok(chunks >= 2, 'streamed in pieces');
    assert.equal(finish, 'length');
    assert.equal(text, whole.choices[0].text);
  });

  test('suffix (fill-in-the-middle) is accepted exactly when /v1/models says fim', async () => {
    const fim = ((await client.models.list()).data[0] as { fim?: boolean }).fim;
    const request = client.completions.create({ model, prompt: 'def add(a, b):\n    return ', suffix: '\n\nprint(add(1, 2))', max_tokens: 4, temperature: 0 });
    if (fim) assert.equal((await request).choices.length, 1);
    else {
      await assert.rejects(request, (error: unknown) => {
        assert.ok(error instanceof OpenAI.BadRequestError);
        assert.equal((error.error as { param?: string }).param, 'suffix');
        assert.match(error.message, /suffix is not supported/);
        return true;
      });
    }
  });

  test('chat answers whole and streamed, the stream announcing the assistant role first', async () => {
    const messages: OpenAI.Chat.ChatCompletionMessageParam[] = [
      { role: 'system', content: 'You are terse.' },
      { role: 'user', content: 'Name a prime.' },
    ];
    const whole = await client.chat.completions.create({ model, messages, max_tokens: 4, temperature: 0 });
    assert.equal(whole.object, 'chat.completion');
    assert.equal(whole.choices[0].message.role, 'assistant');
    assert.equal(typeof whole.choices[0].message.content, 'string');
    const stream = await client.chat.completions.create({ model, messages, max_tokens: 4, temperature: 0, stream: true });
    const chunks: OpenAI.Chat.ChatCompletionChunk[] = [];
    for await (const chunk of stream) chunks.push(chunk);
    assert.equal(chunks[0].choices[0].delta.role, 'assistant');
    assert.equal(chunks.at(-1)!.choices[0].finish_reason, 'length');
    assert.equal(chunks.map((c) => c.choices[0].delta.content ?? '').join(''), whole.choices[0].message.content);
  });

  test('an unknown model is 404 model_not_found and names the served model', async () => {
    await assert.rejects(client.completions.create({ model: 'grok-9', prompt: 'x', max_tokens: 1 }), (error: unknown) => {
      assert.ok(error instanceof OpenAI.NotFoundError);
      assert.equal(error.code, 'model_not_found');
      assert.match(error.message, new RegExp(`serves "${model}"`));
      return true;
    });
  });

  test('bad parameters are 400 invalid_request_error naming the parameter', async () => {
    const cases: Array<[Record<string, unknown>, string]> = [
      [{ model, prompt: 'x', max_tokens: 0 }, 'max_tokens'],
      [{ model, prompt: 'x', max_tokens: 100_000 }, 'max_tokens'],
      [{ model, prompt: 'x', temperature: 7 }, 'temperature'],
      [{ model, prompt: 'x', n: 3 }, 'n'],
      [{ model, prompt: 'x', stop: ['a', 'b', 'c', 'd', 'e'] }, 'stop'],
      [{ model, prompt: 42 }, 'prompt'],
    ];
    for (const [body, param] of cases) {
      await assert.rejects(client.completions.create(body as never), (error: unknown) => {
        assert.ok(error instanceof OpenAI.BadRequestError, `${JSON.stringify(body)} is refused`);
        assert.equal(error.type, 'invalid_request_error');
        assert.equal((error.error as { param?: string }).param, param);
        return true;
      });
    }
    await assert.rejects(client.chat.completions.create({ model, messages: [] }), (error: unknown) => error instanceof OpenAI.BadRequestError && /messages/.test(error.message));
    await assert.rejects(
      client.chat.completions.create({ model, messages: [{ role: 'tool', content: 'x', tool_call_id: '1' }] }),
      (error: unknown) => error instanceof OpenAI.BadRequestError && /role must be system, user or assistant/.test(error.message),
    );
  });

  test('a client that disconnects mid-stream cancels its generation, and the server keeps serving', async () => {
    const controller = new AbortController();
    const response = await fetch(`${serve.baseUrl}/completions`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ model, prompt: 'cancel me', max_tokens: 1024, temperature: 0, stream: true }),
      signal: controller.signal,
    });
    const reader = response.body!.getReader();
    await reader.read();
    controller.abort();
    const deadline = Date.now() + 5000;
    let line: string | undefined;
    while (!line && Date.now() < deadline) {
      line = serve.output().split('\n').find((l) => l.includes('POST /v1/completions disconnected'));
      await new Promise((resolve) => setTimeout(resolve, 20));
    }
    assert.ok(line, `the log records the disconnect:\n${serve.output()}`);
    assert.match(line!, /finish=cancelled/);
    const pieces = Number(/pieces=(\d+)/.exec(line!)?.[1]);
    assert.ok(pieces < 1024, `generation stopped early (${pieces} pieces)`);
    const next = await client.completions.create({ model, prompt: 'still here?', max_tokens: 2 });
    assert.equal(next.choices[0].finish_reason, 'length');
  });
});

describe("Rook's OpenAIEngine against rook serve", () => {
  let serve: ServeProcess;
  let model: string;

  before(async () => {
    const dir = serveModelFolder(12);
    model = path.basename(dir);
    serve = await startServe(['--model', dir]);
  });
  after(() => serve.stop());

  const engine = () => new OpenAIEngine({ baseUrl: serve.baseUrl, model: '', timeoutMs: 5000, detectFim: true });

  test('detects the model, context length and FIM support the server reports', async () => {
    const advertised = ((await (await fetch(`${serve.baseUrl}/models`)).json()) as { data: Array<{ fim: boolean }> }).data[0].fim;
    assert.deepEqual(await engine().capabilities(), { model, fim: advertised, contextLength: 2048 });
  });

  test('streams completions and chat to their end', async () => {
    const completion = await drain(engine().complete({ prompt: 'const x =', suffix: ';', maxTokens: 5, temperature: 0 }, signal()));
    assert.equal(completion.finishReason, 'length');
    const chat = await drain(engine().chat({ messages: [{ role: 'user', content: 'hi' }], maxTokens: 3, temperature: 0 }, signal()));
    assert.equal(chat.finishReason, 'length');
  });

  test('the health check passes while the server is up and fails once it is gone', async () => {
    const checked = engine();
    await checked.health(signal());
    await serve.stop();
    await assert.rejects(checked.health(signal()), /Cannot reach/);
  });
});
