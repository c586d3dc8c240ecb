import assert from 'node:assert/strict';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { before, test } from 'node:test';
import * as ort from 'onnxruntime-node';
import { drain, EngineError, type StreamEvent } from '../../server/engines/engine';
import { LocalEngine } from '../../server/engines/local/localEngine';
import { tinyModelFolder } from './fixtures';
import { tempDir } from '../support/tempDir';

let modelDir: string;
before(() => {
  modelDir = tinyModelFolder({ embeddingMultiplier: 0.2, attentionScale: 2 }, 21).dir;
});

const load = (dir = modelDir) => LocalEngine.load({ modelPath: dir, executionProvider: 'cpu', threads: 1 });
const never = new AbortController().signal;
const greedy = (prompt: string, maxTokens: number, stop?: string[]) => ({ prompt, maxTokens, temperature: 0, stop });

test('local engine: decoding after prefix reuse equals a cold decode, token for token', async () => {
  const warm = await load();
  const first = await drain(warm.complete(greedy('function add(a, b) {', 16), never));
  assert.equal(warm.stats().lastPrompt.reusedTokens, 0);
  // The next keystroke: the previous prompt plus what was accepted, plus a little typed text.
  const extended = `function add(a, b) {${first.text} return`;
  const reused = await drain(warm.complete(greedy(extended, 24), never));
  assert.ok(warm.stats().lastPrompt.reusedTokens >= warm.encode('function add(a, b) {').length, `reused only ${warm.stats().lastPrompt.reusedTokens} tokens`);
  assert.ok(warm.stats().lastPrompt.reusedTokens < warm.stats().lastPrompt.promptTokens);
  // A shorter prompt that shares a prefix must truncate the cache, not read past it.
  const shorter = await drain(warm.complete(greedy('function add', 24), never));

  const cold = await load();
  assert.deepEqual(await drain(cold.complete(greedy(extended, 24), never)), reused);
  const cold2 = await load();
  assert.deepEqual(await drain(cold2.complete(greedy('function add', 24), never)), shorter);
  assert.equal(reused.finishReason, 'length');
  assert.ok(reused.text.length > 0);
  await Promise.all([warm.dispose(), cold.dispose(), cold2.dispose()]);
});

test('local engine: every generated token\'s log-probability comes with the text it produced', async () => {
  const engine = await load();
  const events: StreamEvent[] = [];
  for await (const event of engine.complete(greedy('function add(a, b) {', 12), never)) events.push(event);
  const logprobs = events.flatMap((event) => (event.kind === 'text' ? (event.logprobs ?? []) : []));
  assert.equal(logprobs.length, 12);
  assert.ok(logprobs.every((value) => value <= 0 && Number.isFinite(value)), String(logprobs));
  // Greedy picks the most likely token, whose probability is at least 1/vocabulary.
  assert.ok(logprobs.every((value) => value >= -Math.log(engine.config.vocabSize)));
  for (const event of events) {
    if (event.kind !== 'text') continue;
    assert.ok((event.logprobs?.length ?? 0) > 0, 'a piece of text without its tokens');
    assert.equal(event.tokens?.join(''), event.text);
    assert.equal(event.tokens?.length, event.logprobs?.length);
    assert.equal(event.topLogprobs, undefined, 'alternatives only when asked for');
  }
  // Asked for alternatives, greedy decoding's choice is the first of them.
  for await (const event of engine.complete({ ...greedy('function add(a, b) {', 12), topLogprobs: 3 }, never)) {
    if (event.kind !== 'text') continue;
    event.logprobs!.forEach((logprob, i) => {
      const top = event.topLogprobs![i];
      assert.equal(top.length, 3);
      assert.equal(top[0].logprob, logprob);
      assert.ok(top[0].logprob >= top[1].logprob && top[1].logprob >= top[2].logprob);
    });
  }
  await engine.dispose();
});

test('local engine: streams text in pieces, honours max tokens and stop strings', async () => {
  const engine = await load();
  const events: StreamEvent[] = [];
  for await (const event of engine.complete(greedy('const x =', 40), never)) events.push(event);
  const pieces = events.filter((e) => e.kind === 'text');
  assert.ok(pieces.length > 5, `expected a stream of pieces, got ${pieces.length}`);
  // Usage: the prompt as the model read it (BOS, then the text's tokens) and every token generated.
  assert.deepEqual(events.at(-1), { kind: 'end', finishReason: 'length', usage: { promptTokens: 1 + engine.encode('const x =').length, completionTokens: 40 } });
  const full = pieces.map((e) => (e.kind === 'text' ? e.text : '')).join('');

  const short = await drain(engine.complete(greedy('const x =', 5), never));
  assert.equal(short.finishReason, 'length');
  assert.ok(full.startsWith(short.text) && short.text.length < full.length);

  const stop = full.slice(12, 15);
  const stopped = await drain(engine.complete(greedy('const x =', 40, [stop]), never));
  assert.equal(stopped.finishReason, 'stop');
  assert.equal(stopped.text, full.slice(0, full.indexOf(stop)));
  await engine.dispose();
});

test('local engine: notStartingWith keeps the first non-blank character of the answer off the given ones, and only that', async () => {
  const engine = await load();
  try {
    const firstChar = (text: string) => text.trimStart()[0];
    // Prompts whose answer (from the fixture's random weights) starts with an ASCII character, as closers are: one
    // spelled in byte tokens has no token text to avoid.
    for (const prompt of ['function add(a, b) {\n  ', 'x = f(\n  ']) {
      const free = await drain(engine.complete(greedy(prompt, 12), never));
      const avoided = firstChar(free.text);
      assert.ok(avoided !== undefined, `no answer to ${JSON.stringify(prompt)}`);
      const held = await drain(engine.complete({ ...greedy(prompt, 12), notStartingWith: avoided }, never));
      assert.notEqual(firstChar(held.text), avoided, `${JSON.stringify(prompt)}: ${JSON.stringify(held.text)}`);
      assert.ok(held.text.trim().length > 0);
      // Characters not named stay allowed: the unconstrained answer is what avoiding another character gives.
      const other = [...'}])'].find((char) => char !== avoided)!;
      if (firstChar(free.text) !== other) assert.equal((await drain(engine.complete({ ...greedy(prompt, 12), notStartingWith: other }, never))).text, free.text);
    }
  } finally {
    await engine.dispose();
  }
});

test('local engine: token healing drops the partial word from the prompt and does not count its re-spelling as output', async () => {
  const engine = await load();
  const prompt = 'const operationRequestMap = operationRequ';
  const plain = await drain(engine.complete(greedy(prompt, 4), never));
  const plainPrompt = engine.stats().lastPrompt.promptTokens;
  const events: StreamEvent[] = [];
  for await (const event of engine.complete({ ...greedy(prompt, 4), tokenHealing: true }, never)) events.push(event);
  assert.ok(engine.stats().lastPrompt.promptTokens < plainPrompt, 'the tokens of the partial word left the prompt');
  const end = events.at(-1)!;
  assert.equal(end.kind === 'end' && end.finishReason, 'length');
  const scored = events.flatMap((event) => (event.kind === 'text' ? (event.logprobs ?? []) : []));
  assert.equal(scored.length, 4, 'max tokens counts the tokens shown, not the typed text re-spelled');
  assert.ok(end.kind === 'end' && end.usage!.completionTokens > 4, 'the re-spelling was generated');
  assert.ok(plain.text.length > 0);
  await engine.dispose();
});

test('local engine: scoring continuations leaves the cache as it was, and ends each line with a probability', async () => {
  const engine = await load();
  const request = { ...greedy('function add(a, b) {\n  return a', 8, ['\n']), suffix: '\n}\n', tokenHealing: true };
  const before = await drain(engine.complete(request, never));
  const continuations = [' + b;', ' - b;', ' * b * b * b * b;', ' + b + b;'].map((text) => ({ text }));
  // Alone, each continuation is scored in full.
  const alone = [];
  for (const continuation of continuations) alone.push((await engine.scoreContinuations(request, [continuation], never))[0]);
  for (const [index, score] of alone.entries()) {
    assert.ok(Number.isFinite(score.logprob) && !score.pruned, `${continuations[index].text}: ${score.logprob}`);
    assert.ok(score.tokenLogprobs.length > 0 && score.tokenLogprobs.every((logprob) => logprob <= 0));
    // The whole line is its shown tokens, the re-spelled `a`, and the line's end: never likelier than its tokens.
    assert.ok(score.logprob < score.tokenLogprobs.reduce((sum, logprob) => sum + logprob, 0));
  }
  assert.ok(alone[2].tokenLogprobs.length > alone[0].tokenLogprobs.length);
  // Together, each is scored after the prompt alone, not after the ones before it; one whose first token is already
  // less likely than a line scored before it is not run, and its bound is above its real score.
  const together = await engine.scoreContinuations(request, continuations, never);
  const best = Math.max(...together.map((score) => (score.pruned ? -Infinity : score.logprob)));
  for (const [index, score] of together.entries()) {
    if (score.pruned) {
      assert.ok(score.logprob >= alone[index].logprob && score.logprob <= best, `${continuations[index].text}: bound ${score.logprob}`);
      assert.deepEqual(score.tokenLogprobs, []);
    } else assert.ok(Math.abs(score.logprob - alone[index].logprob) < 1e-5, `${continuations[index].text}: ${score.logprob} with others, ${alone[index].logprob} alone`);
  }
  assert.ok(Math.abs(Math.max(...alone.map((score) => score.logprob)) - best) < 1e-5, 'the likeliest is among those run');
  // Prior weights count in what need not run: behind a heavily weighted first line the others are pruned, unless
  // their own weight could lift them above it.
  const last = continuations.length - 1;
  const weighted = continuations.map((continuation, index) => ({ ...continuation, logPrior: index === 0 ? 1000 : index === last ? 2000 : 0 }));
  const behind = await engine.scoreContinuations(request, weighted, never);
  assert.ok(!behind[0].pruned && Math.abs(behind[0].logprob - alone[0].logprob) < 1e-5, 'the prior is not part of the score');
  for (const index of [1, 2]) assert.ok(behind[index].pruned && behind[index].logprob >= alone[index].logprob, `${continuations[index].text} is pruned`);
  assert.ok(!behind[last].pruned && Math.abs(behind[last].logprob - alone[last].logprob) < 1e-5, `${continuations[last].text} runs`);
  // The same request again, and a fresh engine, decode exactly as before the scoring.
  assert.deepEqual(await drain(engine.complete(request, never)), before);
  const fresh = await load();
  assert.deepEqual(await drain(fresh.complete(request, never)), before);
  const aborted = new AbortController();
  aborted.abort();
  assert.deepEqual((await engine.scoreContinuations(request, continuations, aborted.signal)).map((score) => score.logprob), [-Infinity, -Infinity, -Infinity, -Infinity]);
  await Promise.all([engine.dispose(), fresh.dispose()]);
});

test('local engine: aborting ends the stream at the next decode step', async () => {
  const engine = await load();
  const controller = new AbortController();
  const events: StreamEvent[] = [];
  for await (const event of engine.complete(greedy('let y =', 64), controller.signal)) {
    events.push(event);
    if (event.kind === 'text') controller.abort();
  }
  assert.equal(events.length, 2);
  assert.equal(events[1].kind === 'end' && events[1].finishReason, 'cancelled');
  // The engine stays usable and its cache consistent after a cancelled request.
  const after = await drain(engine.complete(greedy('let y =', 8), never));
  const fresh = await load();
  assert.deepEqual(after, await drain(fresh.complete(greedy('let y =', 8), never)));
  await Promise.all([engine.dispose(), fresh.dispose()]);
});

test('local engine: sampling is reproducible with a seed and top-k 1 is greedy', async () => {
  const options = { modelPath: modelDir, executionProvider: 'cpu' as const, threads: 1, seed: 7 };
  const sampled = async (extra: object) => {
    const engine = await LocalEngine.load({ ...options, ...extra });
    const result = await drain(engine.complete({ prompt: 'if (a', maxTokens: 24, temperature: 1.5 }, never));
    await engine.dispose();
    return result.text;
  };
  const greedyEngine = await load();
  const greedyText = (await drain(greedyEngine.complete(greedy('if (a', 24), never))).text;
  await greedyEngine.dispose();
  assert.equal(await sampled({}), await sampled({}));
  assert.notEqual(await sampled({}), greedyText);
  assert.equal(await sampled({ topK: 1 }), greedyText);
  assert.equal(await sampled({ topP: 1e-9 }), greedyText);
});

test('local engine: a prompt longer than the context is left-truncated, not an error', async () => {
  const engine = await load();
  const result = await drain(engine.complete(greedy('the function return '.repeat(200), 8), never));
  assert.equal(result.finishReason, 'length');
  // The oldest tokens go in blocks of an eighth of the room, so the prompt fills the room less at most one block.
  const room = engine.config.contextLength - 8;
  assert.ok(engine.stats().lastPrompt.promptTokens <= room && engine.stats().lastPrompt.promptTokens > room - room / 8, `prompt of ${engine.stats().lastPrompt.promptTokens} tokens`);
  await engine.dispose();
});

test('local engine: on a file longer than the context, the next keystroke still reuses the KV prefix', async () => {
  const engine = await load();
  const file = Array.from({ length: 120 }, (_, i) => `let v${i} = f(${i});`).join('\n');
  await drain(engine.complete(greedy(file, 8), never));
  assert.ok(engine.stats().lastPrompt.promptTokens > engine.config.contextLength / 2, 'the file fills the context');
  const typed = `${file}\nlet`;
  const warm = await drain(engine.complete(greedy(typed, 8), never));
  const { promptTokens, reusedTokens } = engine.stats().lastPrompt;
  assert.ok(reusedTokens >= promptTokens - engine.encode('\nlet').length - 1, `reused ${reusedTokens} of ${promptTokens} tokens`);
  const cold = await load();
  assert.deepEqual(await drain(cold.complete(greedy(typed, 8), never)), warm);
  await Promise.all([engine.dispose(), cold.dispose()]);
});

test('local engine: a chat request between two keystrokes keeps the completion KV prefix', async () => {
  const engine = await load();
  const prompt = 'function area(width, height) {\n  return width';
  await drain(engine.complete(greedy(prompt, 4), never));
  const chat = { messages: [{ role: 'user' as const, content: 'What does area return?' }], maxTokens: 4, temperature: 0 };
  await drain(engine.chat(chat, never));
  await drain(engine.complete(greedy(`${prompt} *`, 4), never));
  assert.ok(engine.stats().lastPrompt.reusedTokens >= engine.encode(prompt).length - 1, `reused ${engine.stats().lastPrompt.reusedTokens} tokens`);
  // The chat keeps its own cache too: the same conversation again computes only its last token.
  await drain(engine.chat(chat, never));
  assert.equal(engine.stats().lastPrompt.reusedTokens, engine.stats().lastPrompt.promptTokens - 1);
  await engine.dispose();
});

test('local engine: when two KV caches do not fit the memory bound, chat empties its own after each request', async () => {
  const engine = await LocalEngine.load({ modelPath: modelDir, executionProvider: 'cpu', threads: 1, kvCachesBytes: 0 });
  const prompt = 'const total = items.reduce((sum, item) =>';
  await drain(engine.complete(greedy(prompt, 4), never));
  const chat = { messages: [{ role: 'user' as const, content: 'Sum the items.' }], maxTokens: 4, temperature: 0 };
  await drain(engine.chat(chat, never));
  await drain(engine.chat(chat, never));
  assert.equal(engine.stats().lastPrompt.reusedTokens, 0);
  await drain(engine.complete(greedy(`${prompt} sum`, 4), never));
  assert.ok(engine.stats().lastPrompt.reusedTokens >= engine.encode(prompt).length - 1, `reused ${engine.stats().lastPrompt.reusedTokens} tokens`);
  await engine.dispose();
});

test("local engine: ids the tokenizer has no token for (a model's padded rows) decode to nothing, and the process goes on", async () => {
  const dir = tempDir('vocabulary-hole');
  for (const file of fs.readdirSync(modelDir)) fs.copyFileSync(path.join(modelDir, file), path.join(dir, file));
  const file = path.join(dir, 'tokenizer.json');
  const json = JSON.parse(fs.readFileSync(file, 'utf8')) as { model: { vocab: Record<string, number> } };
  const vocab = json.model.vocab;
  const largest = Math.max(...Object.values(vocab));
  for (const [piece, id] of Object.entries(vocab)) if (id === largest || id === largest - 40) delete vocab[piece];
  fs.writeFileSync(file, JSON.stringify(json));
  const engine = await load(dir);
  try {
    // Token healing reads every id's text; the library's decoder threw on an id without a token, and the engine's
    // idle pass over the vocabulary did so outside any request, which ended the process.
    const healed = await drain(engine.complete({ ...greedy('const operationRequestMap = operationRequ', 4), tokenHealing: true }, never));
    assert.equal(healed.finishReason, 'length');
  } finally {
    await engine.dispose();
  }
});

test('local engine: missing or corrupt model files give errors naming the file', async () => {
  const broken = (mutate: (dir: string) => void) => {
    const dir = tempDir('broken');
    for (const file of fs.readdirSync(modelDir)) fs.copyFileSync(path.join(modelDir, file), path.join(dir, file));
    mutate(dir);
    return dir;
  };
  const expectError = async (dir: string, pattern: RegExp) => {
    await assert.rejects(load(dir), (error: Error) => {
      assert.ok(error instanceof EngineError, `${error}`);
      assert.match(error.message, pattern);
      return true;
    });
  };
  await expectError(broken((d) => fs.rmSync(path.join(d, 'config.json'))), /config\.json: cannot read \(ENOENT\)/);
  await expectError(broken((d) => fs.writeFileSync(path.join(d, 'tokenizer.json'), '{"model": ')), /tokenizer\.json: cannot load the tokenizer/);
  // A regex the tokenizer would run over every prompt, one that backtracks exponentially: refused before it runs.
  await expectError(
    broken((d) => {
      const file = path.join(d, 'tokenizer.json');
      const json = JSON.parse(fs.readFileSync(file, 'utf8'));
      fs.writeFileSync(file, JSON.stringify({ ...json, pre_tokenizer: { type: 'Split', pattern: { Regex: '(\\s|\\s\\s)+$' }, behavior: 'Isolated', invert: false } }));
    }),
    /tokenizer\.json: its pre_tokenizer\.pattern has the regex "\(\\\\s\|\\\\s\\\\s\)\+\$", which Rook does not run/,
  );
  const tokenizerWith = (edit: (json: { model: { vocab: Record<string, number> } }) => void) =>
    broken((d) => {
      const file = path.join(d, 'tokenizer.json');
      const json = JSON.parse(fs.readFileSync(file, 'utf8'));
      edit(json);
      fs.writeFileSync(file, JSON.stringify(json));
    });
  // Ids the model has no row for, or that are no ids at all, are refused at load, not met mid-answer by ONNX Runtime.
  await expectError(tokenizerWith((json) => (json.model.vocab.extra = 389)), /tokenizer\.json: has token id 389 but config\.json says vocab_size 389/);
  await expectError(tokenizerWith((json) => (json.model.vocab.extra = 1e23)), /tokenizer\.json: has token id 1e\+23, not a whole number from 0/);
  await expectError(broken((d) => fs.rmSync(path.join(d, 'model.onnx'))), /model\.onnx: model graph not found/);
  await expectError(
    broken((d) => {
      const file = path.join(d, 'model.onnx');
      fs.writeFileSync(file, fs.readFileSync(file).subarray(0, 5000));
    }),
    /model\.onnx: cannot start ONNX Runtime on cpu/,
  );
  await expectError(
    broken((d) => {
      const file = path.join(d, 'config.json');
      fs.writeFileSync(file, JSON.stringify({ ...JSON.parse(fs.readFileSync(file, 'utf8')), num_hidden_layers: 3 }));
    }),
    /model\.onnx: graph does not match config\.json/,
  );
});

test('local engine: an unavailable execution provider says how to get it', { skip: ort.listSupportedBackends().some((b) => b.name === 'cuda' && b.bundled) && 'CUDA is installed here' }, async () => {
  await assert.rejects(LocalEngine.load({ modelPath: modelDir, executionProvider: 'cuda', threads: 1 }), /cannot start ONNX Runtime on cuda.*onnxruntime-node-install=cuda12/);
  const auto = await LocalEngine.load({ modelPath: modelDir, executionProvider: 'auto', threads: 1 });
  assert.equal(auto.executionProvider, 'cpu');
  await auto.dispose();
});

test('local engine: a completion asked for while a chat answer streams runs between its steps; the chat resumes unchanged', async () => {
  const engine = await load();
  const chatRequest = { messages: [{ role: 'user' as const, content: 'Write a long story about a parser.' }], maxTokens: 120, temperature: 0 };
  const alone = await drain(engine.chat(chatRequest, never));
  const completionAlone = await drain(engine.complete(greedy('function add(a, b) {', 8), never));
  const events: string[] = [];
  let completion: Promise<unknown> | undefined;
  let chatPieces = 0;
  let chatText = '';
  for await (const event of engine.chat(chatRequest, never)) {
    if (event.kind !== 'text') continue;
    chatText += event.text;
    if (++chatPieces === 3) {
      completion = drain(engine.complete(greedy('function add(a, b) {', 8), never)).then((result) => {
        events.push(`completion done after ${chatPieces} chat pieces`);
        return result;
      });
    }
  }
  events.push(`chat done after ${chatPieces} pieces`);
  assert.ok(completion, 'the chat answer was too short to ask for a completion while it streamed');
  assert.deepEqual(await completion, completionAlone);
  assert.ok(events[0].startsWith('completion done'), `the completion waited for the chat: ${events.join('; ')}`);
  assert.ok(Number(/after (\d+)/.exec(events[0])![1]) < chatPieces, events.join('; '));
  assert.equal(chatText, alone.text, 'the chat answer changed when a completion ran in between');
  await engine.dispose();
});
