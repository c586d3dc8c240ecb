import assert from 'node:assert/strict';
import { test } from 'node:test';
import * as path from 'node:path';
import * as ort from 'onnxruntime-node';
import { drain, type StreamEvent } from '../../server/engines/engine';
import { DecoderSession } from '../../server/engines/local/decoderSession';
import { LocalEngine } from '../../server/engines/local/localEngine';
import { embeddedModelFolder, tinyModelFolder } from './fixtures';

const never = new AbortController().signal;
const load = (dir: string, promptLookup?: false) => LocalEngine.load({ modelPath: dir, executionProvider: 'cpu', threads: 1, promptLookup });

/** Every token and its log-probability, from a stream. */
async function tokens(stream: AsyncIterable<StreamEvent>): Promise<{ text: string; ids: string[]; logprobs: number[]; finish: string }> {
  const ids: string[] = [];
  const logprobs: number[] = [];
  let text = '';
  let finish = '';
  for await (const event of stream) {
    if (event.kind === 'text') {
      text += event.text;
      ids.push(...(event.tokens ?? []));
      logprobs.push(...(event.logprobs ?? []));
    } else finish = event.finishReason;
  }
  return { text, ids, logprobs, finish };
}

/** Same tokens and text; log-probabilities within `tolerance` (runs of several positions take other kernel paths). */
function assertSameOutput(speculative: Awaited<ReturnType<typeof tokens>>, plain: Awaited<ReturnType<typeof tokens>>, what: string, tolerance = 1e-4): void {
  assert.deepEqual(speculative.ids, plain.ids, `${what}: tokens differ`);
  assert.equal(speculative.text, plain.text);
  assert.equal(speculative.finish, plain.finish);
  speculative.logprobs.forEach((logprob, i) => assert.ok(Math.abs(logprob - plain.logprobs[i]) < tolerance, `${what}: token ${i} log-probability ${logprob} vs ${plain.logprobs[i]}`));
}

test('speculative decoding: a graph gives the logits of its last k positions on request, equal to a scoring graph\'s rows', async () => {
  const { dir, config } = tinyModelFolder({}, 3);
  const scoring = tinyModelFolder({}, 3, { logitRows: 'all' }).dir;
  const kept = new DecoderSession(await ort.InferenceSession.create(path.join(dir, 'model.onnx')), config);
  const every = new DecoderSession(await ort.InferenceSession.create(path.join(scoring, 'model.onnx')), config);
  assert.ok(kept.keepsLogits);
  const prompt = [1, 300, 301, 302, 303];
  const last3 = await kept.forward(prompt, 3);
  const all = await every.forward(prompt);
  assert.equal(last3.length, 3 * config.vocabSize);
  const tail = all.subarray(2 * config.vocabSize);
  assert.ok(last3.every((value, i) => Math.abs(value - tail[i]) < 1e-5));
  kept.truncate(0);
  assert.equal((await kept.forward(prompt)).length, config.vocabSize);
  await assert.rejects(kept.forward([5], 2), /logits of 2 positions asked of a run of 1/);
  await Promise.all([kept.release(), every.release()]);
});

test('speculative decoding: greedy output is the plain decoder\'s, token for token, when the model turns drafts down', async () => {
  // A random model repeats nothing: its drafts are rejected, and every rejection must rewind the cache exactly.
  const { dir } = tinyModelFolder({ embeddingMultiplier: 0.2, attentionScale: 2 }, 21);
  const speculative = await load(dir);
  const plain = await load(dir, false);
  let drafted = 0;
  for (const prompt of ['a b c a b c a b', 'x = 1\ny = 2\nx = 1\ny =', 'let']) {
    const request = { prompt, maxTokens: 48, temperature: 0 };
    const fast = await tokens(speculative.complete(request, never));
    drafted += speculative.stats().lastPrompt.draftedTokens;
    assertSameOutput(fast, await tokens(plain.complete(request, never)), prompt);
    assert.equal(plain.stats().lastPrompt.draftedTokens, 0);
  }
  assert.ok(drafted > 0, 'nothing was drafted');
  await Promise.all([speculative.dispose(), plain.dispose()]);
});

test('speculative decoding: a request after one that ended with unchosen drafts in the cache decodes as a cold engine does', async () => {
  const { dir } = tinyModelFolder({ embeddingMultiplier: 0.2, attentionScale: 2 }, 21);
  const warm = await load(dir);
  const first = await drain(warm.complete({ prompt: 'a b c a b c a b', maxTokens: 5, temperature: 0 }, never));
  const next = { prompt: `a b c a b c a b${first.text} c`, maxTokens: 24, temperature: 0 };
  const reused = await tokens(warm.complete(next, never));
  assert.ok(warm.stats().lastPrompt.reusedTokens > 0);
  const cold = await load(dir, false);
  assertSameOutput(reused, await tokens(cold.complete(next, never)), 'after reuse');
  await Promise.all([warm.dispose(), cold.dispose()]);
});

test('speculative decoding: the trained embedded model (int8) completes code identically with and without it, accepting drafts', async () => {
  const { dir } = embeddedModelFolder({ quant: 'int8' });
  const speculative = await load(dir);
  const plain = await load(dir, false);
  const requests = [
    { prompt: 'export function area(width: number, height: number): number {\n  return width * height;\n}\n\nexport function perimeter(width: number, height: number): number {\n  return ', maxTokens: 48, temperature: 0 },
    { prompt: 'const a = require("a");\nconst b = require("b");\nconst c = require("c");\nconst d = require(', maxTokens: 48, temperature: 0, stop: ['\n\n'] },
    { prompt: 'def add(a, b):\n    return a + b\n\n\ndef sub(a, b):\n    return a - b\n\n\ndef ', suffix: '\n', maxTokens: 40, temperature: 0 },
  ];
  let accepted = 0;
  for (const request of requests) {
    const fast = await tokens(speculative.complete(request, never));
    accepted += speculative.stats().lastPrompt.acceptedDraftTokens;
    // With int8 activations a run of several positions rounds differently from one of a single position (as a prompt's
    // prefill already does): a log-probability may move by a hundredth, the chosen token may not.
    assertSameOutput(fast, await tokens(plain.complete(request, never)), request.prompt.slice(0, 20), 5e-2);
  }
  assert.ok(accepted > 0, 'no drafted token was accepted');
  await Promise.all([speculative.dispose(), plain.dispose()]);
});
