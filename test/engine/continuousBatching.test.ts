import assert from 'node:assert/strict';
import { test } from 'node:test';
import { drain, type CompletionRequest } from '../../server/engines/engine';
import { promptChunkTokens } from '../../server/engines/local/decoderSession';
import { LocalEngine } from '../../server/engines/local/localEngine';
import { embeddedModelFolder, tinyModelFolder } from './fixtures';

const never = new AbortController().signal;
const load = (dir: string, options: { maxSequences?: number } = {}) => LocalEngine.load({ modelPath: dir, executionProvider: 'cpu', threads: 1, promptLookup: false, ...options });
const greedy = (prompt: string, maxTokens: number): CompletionRequest => ({ prompt, maxTokens, temperature: 0 });
const prompts = ['function add(a, b) {', 'let x =', 'import * as fs from', 'class Parser {\n  constructor(', 'def main():\n    ', 'SELECT * FROM'];

test('continuous batching: sequences decoded together give, token for token, what each gives alone', async () => {
  const { dir } = tinyModelFolder({ embeddingMultiplier: 0.2, attentionScale: 2 }, 21);
  const alone = await load(dir);
  const expected = [];
  for (const [i, prompt] of prompts.entries()) expected.push(await drain(alone.complete(greedy(prompt, 12 + 4 * i), never)));
  const together = await load(dir);
  const results = await Promise.all(prompts.map((prompt, i) => drain(together.complete(greedy(prompt, 12 + 4 * i), never))));
  assert.deepEqual(results, expected);
  const { runs, steps } = together.stats().batches!;
  assert.ok(steps / runs > 2, `decode steps were not batched: ${steps} steps in ${runs} runs`);
  await Promise.all([alone.dispose(), together.dispose()]);
});

test('continuous batching: a sequence cancelled mid-stream leaves the others as they would be alone', async () => {
  const { dir } = tinyModelFolder({ embeddingMultiplier: 0.2, attentionScale: 2 }, 21);
  const alone = await load(dir);
  const expected = await Promise.all([drain(alone.complete(greedy(prompts[0], 30), never))]);
  expected.push(await drain(alone.complete(greedy(prompts[1], 30), never)));
  const engine = await load(dir);
  const stop = new AbortController();
  const cancelled = (async () => {
    let pieces = 0;
    for await (const event of engine.complete(greedy(prompts[2], 200), stop.signal)) {
      if (event.kind === 'text' && ++pieces === 5) stop.abort();
      if (event.kind === 'end') return event.finishReason;
    }
  })();
  const others = await Promise.all([drain(engine.complete(greedy(prompts[0], 30), never)), drain(engine.complete(greedy(prompts[1], 30), never))]);
  assert.equal(await cancelled, 'cancelled');
  assert.deepEqual(others, expected);
  await Promise.all([alone.dispose(), engine.dispose()]);
});

test('continuous batching: with every sequence slot taken, requests wait their turn, completions first, and all finish', async () => {
  const { dir } = tinyModelFolder({ embeddingMultiplier: 0.2, attentionScale: 2 }, 21);
  const engine = await load(dir, { maxSequences: 2 });
  const finished: string[] = [];
  const chat = (name: string) => drain(engine.chat({ messages: [{ role: 'user', content: `Tell me about ${name}.` }], maxTokens: 40, temperature: 0 }, never)).then(() => finished.push(name));
  // Two chats take both slots; a third chat and then a completion wait: the completion gets the first free slot.
  const running = [chat('first'), chat('second')];
  await new Promise((resolve) => setImmediate(resolve));
  const waiting = [chat('third'), drain(engine.complete(greedy('let', 4), never)).then(() => finished.push('completion'))];
  await Promise.all([...running, ...waiting]);
  assert.deepEqual(finished.slice(2), ['completion', 'third'], finished.join(', '));
  await engine.dispose();
});

test('continuous batching: the embedded model (int8) decodes batched streams as it does each alone', async () => {
  const { dir } = embeddedModelFolder({ quant: 'int8' });
  const alone = await load(dir);
  const code = ['export function area(width: number, height: number): number {\n  return', 'import * as path from "node:path";\nimport * as fs from', 'def fibonacci(n):\n    if n < 2:\n        return'];
  const expected = [];
  for (const prompt of code) expected.push(await drain(alone.complete(greedy(prompt, 24), never)));
  const together = await load(dir);
  const results = await Promise.all(code.map((prompt) => drain(together.complete(greedy(prompt, 24), never))));
  assert.deepEqual(results.map((result) => result.text), expected.map((result) => result.text));
  await Promise.all([alone.dispose(), together.dispose()]);
});

test('continuous batching: a completion asked for while a long chat prompt is evaluated runs between its chunks, not after it', async () => {
  // 64 heads over ~3,000 positions: the prompt runs in chunks of a few hundred tokens (promptChunkTokens).
  const { dir, config } = tinyModelFolder({ numHeads: 64, contextLength: 4096, embeddingMultiplier: 0.2, attentionScale: 2 }, 22);
  const engine = await load(dir);
  const content = 'The quick brown fox jumps over the lazy dog, then naps. '.repeat(60);
  const promptTokens = engine.encode(content).length;
  assert.ok(promptTokens > 2 * promptChunkTokens(config, promptTokens) && promptTokens < 3900, `${promptTokens} prompt tokens`);
  const order: string[] = [];
  const chat = (async () => {
    for await (const event of engine.chat({ messages: [{ role: 'user', content }], maxTokens: 4, temperature: 0 }, never)) {
      if (!order.includes('chat')) order.push('chat');
      void event;
    }
  })();
  // The chat's prompt is being evaluated (its first chunk is running) when the completion comes.
  while (engine.stats().lastPrompt.promptTokens < promptTokens) await new Promise((resolve) => setTimeout(resolve, 2));
  const completion = drain(engine.complete(greedy('let', 3), never)).then(() => order.push('completion'));
  await Promise.all([chat, completion]);
  assert.deepEqual(order, ['completion', 'chat']);
  await engine.dispose();
});
