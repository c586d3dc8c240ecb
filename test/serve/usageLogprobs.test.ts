/**
 * What `rook serve` reports beside the text, in OpenAI's shapes: `usage` (token counts checked against the model's
 * own tokenizer), and `logprobs` on both endpoints (checked against an independent float64 decode of the same
 * model), whole and streamed; and the sidecar's OpenAI engine, pointed at it, gets the confidence it needs.
 */
import { describe, test, before, after } from 'node:test';
import * as assert from 'node:assert/strict';
import { execFile } from 'node:child_process';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { promisify } from 'node:util';
import OpenAI from 'openai';
import { readModelConfig, type ModelConfig } from '../../server/model/config';
import { readSafetensors } from '../../server/model/safetensors';
import { embeddedModelDir } from '../engine/fixtures';
import { tempDir } from '../support/tempDir';
import { grokReferenceLogits } from '../engine/grokReference';
import { cliPath, serveModelFolder, startServe, type ServeProcess } from './serveProcess';

type TokenizersModule = typeof import('@huggingface/tokenizers', { with: { 'resolution-mode': 'import' } });
// The package ships a CommonJS build but declares its types as ESM only.
const { Tokenizer } = require('@huggingface/tokenizers') as TokenizersModule;

const run = promisify(execFile);

/** float32 against float64 (the reference's logits agree to 1e-4 each), or a prompt evaluated in other slices. */
const logprobTolerance = 1e-3;

describe('rook serve: usage and logprobs', () => {
  let serve: ServeProcess;
  let client: OpenAI;
  let model: string;
  let dir: string;
  let config: ModelConfig;
  let encode: (text: string) => number[];

  before(async () => {
    // Seed 13 answers in byte-fallback tokens of no valid UTF-8: the hard case for lining tokens up with text.
    dir = serveModelFolder(13);
    model = path.basename(dir);
    config = readModelConfig(path.join(dir, 'config.json'));
    const tokenizer = new Tokenizer(JSON.parse(fs.readFileSync(path.join(dir, 'tokenizer.json'), 'utf8')), {});
    encode = (text) => tokenizer.encode(text, { add_special_tokens: false }).ids;
    serve = await startServe(['--model', dir]);
    client = new OpenAI({ baseURL: serve.baseUrl, apiKey: 'unused', maxRetries: 0 });
  });
  after(() => serve.stop());

  const prompt = 'def add(a, b):';
  const messages: OpenAI.Chat.ChatCompletionMessageParam[] = [
    { role: 'system', content: 'You are terse.' },
    { role: 'user', content: 'Name a prime.' },
  ];
  // The model folder has no chat template: the engine's plain transcript.
  const transcript = 'System: You are terse.\n\nUser: Name a prime.\n\nAssistant:';

  /** Greedy decoding in float64 from the weights: the log-probabilities of the `steps` tokens chosen after `prompt`. */
  function referenceGreedy(prompt: string, steps: number): number[] {
    const weights = readSafetensors(path.join(dir, 'model.safetensors'));
    const ids = [config.bosTokenId, ...encode(prompt)];
    const logprobs: number[] = [];
    for (let step = 0; step < steps; step++) {
      const logits = grokReferenceLogits(config, weights, ids).at(-1)!;
      let best = 0;
      for (let i = 1; i < logits.length; i++) if (logits[i] > logits[best]) best = i;
      const max = logits[best];
      const normalizer = max + Math.log(logits.reduce((sum, value) => sum + Math.exp(value - max), 0));
      ids.push(best);
      logprobs.push(max - normalizer);
    }
    return logprobs;
  }

  test('answers carry usage: the prompt as tokenized for the model, every generated token, and their sum', async () => {
    const completion = await client.completions.create({ model, prompt, max_tokens: 5, temperature: 0 });
    assert.equal(completion.choices[0].finish_reason, 'length');
    // BOS, then the prompt's tokens.
    assert.deepEqual(completion.usage, { prompt_tokens: 1 + encode(prompt).length, completion_tokens: 5, total_tokens: 6 + encode(prompt).length });

    const chat = await client.chat.completions.create({ model, messages, max_tokens: 4, temperature: 0 });
    assert.equal(chat.choices[0].finish_reason, 'length');
    assert.deepEqual(chat.usage, { prompt_tokens: 1 + encode(transcript).length, completion_tokens: 4, total_tokens: 5 + encode(transcript).length });
  });

  test('a stream gives usage in a last chunk without choices only with include_usage, and null in every other chunk', async () => {
    const plain = await client.completions.create({ model, prompt, max_tokens: 5, temperature: 0, stream: true });
    for await (const chunk of plain) assert.ok(!('usage' in chunk), 'no usage field unless asked for');

    const expected = (await client.completions.create({ model, prompt, max_tokens: 5, temperature: 0 })).usage;
    const completion = await client.completions.create({ model, prompt, max_tokens: 5, temperature: 0, stream: true, stream_options: { include_usage: true } });
    const chunks: OpenAI.Completions.Completion[] = [];
    for await (const chunk of completion) chunks.push(chunk);
    const last = chunks.pop()!;
    assert.deepEqual(last.choices, []);
    assert.deepEqual(last.usage, expected);
    assert.ok(chunks.length >= 2 && chunks.every((chunk) => chunk.usage === null && chunk.choices.length === 1));
    assert.equal(chunks.at(-1)!.choices[0].finish_reason, 'length');

    const chat = await client.chat.completions.create({ model, messages, max_tokens: 4, temperature: 0, stream: true, stream_options: { include_usage: true } });
    const chatChunks: OpenAI.Chat.ChatCompletionChunk[] = [];
    for await (const chunk of chat) chatChunks.push(chunk);
    const chatLast = chatChunks.pop()!;
    assert.deepEqual(chatLast.choices, []);
    assert.deepEqual(chatLast.usage, { prompt_tokens: 1 + encode(transcript).length, completion_tokens: 4, total_tokens: 5 + encode(transcript).length });
    assert.ok(chatChunks.every((chunk) => chunk.usage === null && chunk.choices.length === 1));
  });

  test('stream_options without stream is refused, as OpenAI refuses it', async () => {
    const body = { model, prompt, max_tokens: 2, stream_options: { include_usage: true } };
    await assert.rejects(client.completions.create(body), (error: unknown) => {
      assert.ok(error instanceof OpenAI.BadRequestError);
      assert.equal((error.error as { param?: string }).param, 'stream_options');
      assert.match(error.message, /only allowed when 'stream' is enabled/);
      return true;
    });
  });

  test('completion logprobs: the greedy tokens with the log-probabilities a float64 decode of the model gives them', async () => {
    const steps = 8;
    const completion = await client.completions.create({ model, prompt, max_tokens: steps, temperature: 0, logprobs: 2 });
    const choice = completion.choices[0];
    assert.equal(choice.finish_reason, 'length');
    const logprobs = choice.logprobs!;
    assert.equal(logprobs.tokens!.join(''), choice.text);
    assert.equal(logprobs.token_logprobs!.length, steps, 'one log-probability per generated token');
    assert.ok(logprobs.token_logprobs!.every((value) => Number.isFinite(value) && value <= 0));
    // Where each token starts in the completion's text, in code points.
    assert.deepEqual(logprobs.text_offset, logprobs.tokens!.map((_, i) => [...logprobs.tokens!.slice(0, i).join('')].length));
    logprobs.top_logprobs!.forEach((top, i) => {
      // The chosen token and the 2 most likely (greedy: the chosen is one of them, unless two tokens share a text).
      assert.ok(Object.keys(top).length >= 1 && Object.keys(top).length <= 3, JSON.stringify(top));
      assert.equal(top[logprobs.tokens![i]], logprobs.token_logprobs![i]);
      assert.ok(Object.values(top).every((value) => value <= logprobs.token_logprobs![i] + 1e-9), 'greedy took the most likely token');
    });

    const reference = referenceGreedy(prompt, steps);
    const sum = (values: number[]) => values.reduce((total, value) => total + value, 0);
    assert.ok(Math.abs(sum(logprobs.token_logprobs!) - sum(reference)) < logprobTolerance, `${sum(logprobs.token_logprobs!)} vs float64 ${sum(reference)}`);
    logprobs.token_logprobs!.forEach((value, i) => assert.ok(Math.abs(value - reference[i]) < logprobTolerance, `token ${i}: ${value} vs ${reference[i]}`));
  });

  test('chat logprobs: content tokens with their bytes and top_logprobs, whole and streamed', async () => {
    const whole = await client.chat.completions.create({ model, messages, max_tokens: 6, temperature: 0, logprobs: true, top_logprobs: 3 });
    const content = whole.choices[0].logprobs!.content!;
    assert.equal(content.map((token) => token.token).join(''), whole.choices[0].message.content);
    for (const token of content) {
      assert.ok(Number.isFinite(token.logprob) && token.logprob <= 0);
      assert.ok(token.logprob >= -Math.log(config.vocabSize), 'greedy: at least a uniform share');
      assert.deepEqual(token.bytes, [...Buffer.from(token.token, 'utf8')]);
      assert.equal(token.top_logprobs.length, 3);
      assert.equal(token.top_logprobs[0].logprob, token.logprob, 'greedy took the most likely token');
    }
    assert.equal(whole.choices[0].logprobs!.refusal, null);
    const reference = referenceGreedy(transcript, 6);
    content.forEach((token, i) => assert.ok(Math.abs(token.logprob - reference[i]) < logprobTolerance, `token ${i}: ${token.logprob} vs ${reference[i]}`));

    const plain = await client.chat.completions.create({ model, messages, max_tokens: 2, temperature: 0 });
    assert.equal(plain.choices[0].logprobs, null, 'none unless asked for');

    const stream = await client.chat.completions.create({ model, messages, max_tokens: 6, temperature: 0, logprobs: true, stream: true });
    const streamed: OpenAI.Chat.ChatCompletionTokenLogprob[] = [];
    for await (const chunk of stream) {
      const delta = chunk.choices[0];
      if (delta.delta.content) assert.equal(delta.logprobs!.content!.map((token) => token.token).join(''), delta.delta.content);
      streamed.push(...(delta.logprobs?.content ?? []));
    }
    assert.deepEqual(streamed.map((token) => token.token), content.map((token) => token.token));
    streamed.forEach((token, i) => {
      assert.ok(Math.abs(token.logprob - content[i].logprob) < logprobTolerance);
      assert.deepEqual(token.top_logprobs, [], 'no alternatives unless asked for');
    });
  });

  test('logprobs out of range are refused naming the parameter', async () => {
    // Each made when awaited: a refusal that comes while an earlier one is checked would go unhandled.
    const cases: Array<[() => Promise<unknown>, string]> = [
      [() => client.completions.create({ model, prompt, logprobs: 6 }), 'logprobs'],
      [() => client.completions.create({ model, prompt, logprobs: true as never }), 'logprobs'],
      [() => client.chat.completions.create({ model, messages, logprobs: true, top_logprobs: 21 }), 'top_logprobs'],
      [() => client.chat.completions.create({ model, messages, top_logprobs: 2 }), 'top_logprobs'],
      [() => client.chat.completions.create({ model, messages, logprobs: 1 as never }), 'logprobs'],
    ];
    for (const [request, param] of cases) {
      await assert.rejects(request(), (error: unknown) => {
        assert.ok(error instanceof OpenAI.BadRequestError, String(error));
        assert.equal((error.error as { param?: string }).param, param);
        return true;
      });
    }
  });

  test("rook complete through rook serve applies the confidence threshold: held back at 1, shown at 0", async () => {
    const file = path.join(tempDir('confidence'), 'add.py');
    fs.writeFileSync(file, 'def add(a, b):\n    return a');
    const complete = (minConfidence: string) => {
      const env = { ...process.env };
      delete env.ROOK_ENDPOINT;
      return run(process.execPath, [cliPath, 'complete', file, '--line', '2', '--col', '13', '--endpoint', serve.baseUrl, '--min-confidence', minConfidence], { env });
    };
    const shown = await complete('0');
    assert.ok(shown.stdout.trim().length > 0, 'a suggestion at 0');
    const held = await complete('1');
    assert.equal(held.stdout, '\n');
    assert.match(held.stderr, /a suggestion was held back: confidence 0\.\d\d < --min-confidence 1/);
  });
});

describe('rook serve: logprobs of a text cut by a stop string (the embedded model, whose tokens are words)', () => {
  let serve: ServeProcess;
  let client: OpenAI;

  before(async () => {
    serve = await startServe(['--model', embeddedModelDir]);
    client = new OpenAI({ baseURL: serve.baseUrl, apiKey: 'unused', maxRetries: 0 });
  });
  after(() => serve.stop());

  test('the tokens cover exactly the text left, the one the stop string starts in cut short, whole and streamed', async () => {
    const prompt = 'def add(a, b):\n    return';
    const request = { model: 'rook-moe-mini', prompt, max_tokens: 12, temperature: 0, logprobs: 0 };
    const full = await client.completions.create(request);
    const tokens = full.choices[0].logprobs!.tokens!;
    const text = full.choices[0].text;
    // A stop string that starts after the first character of a token of several.
    const cutToken = tokens.findIndex((token) => [...token].length > 1);
    assert.ok(cutToken >= 0, `no token of several characters in ${JSON.stringify(tokens)}`);
    const cutAt = full.choices[0].logprobs!.text_offset![cutToken] + 1;
    let stop = text.slice(cutAt, cutAt + 1);
    while (text.indexOf(stop) < cutAt) stop = text.slice(cutAt, cutAt + stop.length + 1);

    const whole = await client.completions.create({ ...request, stop: [stop] });
    const choice = whole.choices[0];
    assert.equal(choice.finish_reason, 'stop');
    assert.equal(choice.text, text.slice(0, cutAt));
    assert.deepEqual(choice.logprobs!.tokens, [...tokens.slice(0, cutToken), tokens[cutToken].slice(0, 1)]);
    // The same log-probabilities, up to the rounding of a prompt evaluated in other slices (the KV cache is reused).
    const expected = full.choices[0].logprobs!.token_logprobs!.slice(0, cutToken + 1);
    assert.equal(choice.logprobs!.token_logprobs!.length, expected.length);
    choice.logprobs!.token_logprobs!.forEach((value, i) => assert.ok(Math.abs(value - expected[i]) < logprobTolerance, `token ${i}: ${value} vs ${expected[i]}`));

    const stream = await client.completions.create({ ...request, stop: [stop], stream: true });
    const streamed: string[] = [];
    const offsets: number[] = [];
    let streamedText = '';
    for await (const chunk of stream) {
      const piece = chunk.choices[0];
      if (piece.text) assert.equal(piece.logprobs!.tokens!.join(''), piece.text, 'each chunk carries the tokens of its own text');
      streamed.push(...(piece.logprobs?.tokens ?? []));
      offsets.push(...(piece.logprobs?.text_offset ?? []));
      streamedText += piece.text;
    }
    assert.equal(streamedText, choice.text);
    assert.deepEqual(streamed, choice.logprobs!.tokens);
    assert.deepEqual(offsets, choice.logprobs!.text_offset);
  });
});
