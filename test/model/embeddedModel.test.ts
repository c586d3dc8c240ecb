import assert from 'node:assert/strict';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { test } from 'node:test';
import { completeAt } from '../../server/completion/complete';
import { drain, EngineError, type Engine } from '../../server/engines/engine';
import { DecoderSession } from '../../server/engines/local/decoderSession';
import { openSession } from '../../server/engines/local/executionProvider';
import { LocalEngine } from '../../server/engines/local/localEngine';
import { readModelConfig } from '../../server/model/config';
import { readGraphWeights } from '../../server/model/onnx/initializers';
import { embeddedModelFolder } from '../engine/fixtures';
import { tempDir } from '../support/tempDir';

/** The model shipped in the repository (compiled tests live in out/test/model). */
const modelDir = path.resolve(__dirname, '..', '..', '..', 'models', 'rook-moe-mini');
const never = new AbortController().signal;
const load = (dir = modelDir) => LocalEngine.load({ modelPath: dir, executionProvider: 'cpu', threads: 1 });

interface ReferenceLogits {
  text: string;
  input_ids: number[];
  columns: number[];
  logits: number[][];
  argmax: number[];
}

/** Float32 ONNX Runtime and PyTorch differ by summation order only (measured: under 1e-5 on logits of size ~10,
 *  the reference being rounded to 5 decimals); a wrong knob moves logits by more than 0.1. */
const logitTolerance = 5e-4;

/**
 * The shipped graph rounds activations to int8 in its MatMulNBits and QMoE nodes (the fast CPU path; its weights are
 * Q8_0 blocks, and the reference is PyTorch's on the same d·q weights). That rounding moves most logits by under 0.1.
 * Routing is not continuous, though: where a router's k-th and (k+1)-th experts are nearly tied (probability gaps of
 * 0.0004-0.002 occur at several positions of the reference text), the rounding can swap them. That position's logits
 * then move by up to several units, and its keys and values carry a smaller change to later positions (measured at
 * step 6,200: 3.49 at the swapped position, 0.27-0.46 at three later ones, 38 of 44 positions within 0.11). So the
 * check bounds the typical difference and the share of positions a swap may move; a wrong kernel, scale or knob moves
 * every position. The float32 test above is the one that pins the math down.
 */
const roundingTolerance = 0.25;
const medianTolerance = 0.1;
/** Log-probability difference the int8 activations' per-run quantization makes between one run of several tokens and one a token. */
const activationRoundingLogprob = 0.1;
const shareOffAllowed = 0.2;

const reference = () => JSON.parse(fs.readFileSync(path.join(modelDir, 'reference-logits.json'), 'utf8')) as ReferenceLogits;

/**
 * Logits of the graph in `dir` at every position of the reference text. The graph gives the last position's logits:
 * each prefix of the first half as a prompt of its own covers the prompt pass at every position; the second half,
 * one token at a time after it, the KV-cache path.
 */
async function logitRows(dir: string, ids: number[]): Promise<Float32Array[]> {
  const config = readModelConfig(path.join(dir, 'config.json'));
  const { session } = await openSession(path.join(dir, 'model.onnx'), 'cpu', 1);
  const decoder = new DecoderSession(session, config);
  const split = Math.floor(ids.length / 2);
  const rows: Float32Array[] = [];
  for (let length = 1; length <= split; length++) {
    decoder.truncate(0);
    rows.push(await decoder.forward(ids.slice(0, length)));
  }
  for (const id of ids.slice(split)) rows.push(await decoder.forward([id]));
  await decoder.release();
  return rows;
}

/**
 * Per position of the reference text: the largest logit difference from the reference, and whether the argmax
 * differs where the reference's best two are further apart than `margin`.
 */
function compare(rows: Float32Array[], ref: ReferenceLogits, margin: number): { difference: number; argmaxDiffers: boolean }[] {
  return ref.input_ids.map((_, position) => {
    const row = rows[position];
    const difference = Math.max(...ref.columns.map((column, j) => Math.abs(row[column] - ref.logits[position][j])));
    const [best, second] = [...ref.logits[position]].sort((a, b) => b - a);
    let argmax = 0;
    for (let i = 1; i < row.length; i++) if (row[i] > row[argmax]) argmax = i;
    return { difference, argmaxDiffers: argmax !== ref.argmax[position] && best - second > margin };
  });
}

test('embedded model: its graph computes the PyTorch reference function of its weights (activations in float32)', async () => {
  // The shipped weights (Q8_0 blocks, read back as d·q and quantized again to the same blocks) rebuilt with float32
  // activations: only summation order differs from PyTorch on the same weights.
  assert.ok(readGraphWeights(path.join(modelDir, 'model.onnx')).dequantized.size > 0, 'the embedded model ships int8 weights');
  const { dir } = embeddedModelFolder({ quant: 'int8', activations: 'float32' });
  const ref = reference();
  const rows = await logitRows(dir, ref.input_ids);
  const config = readModelConfig(path.join(modelDir, 'config.json'));
  for (const row of rows) assert.equal(row.length, config.vocabSize);
  const positions = compare(rows, ref, 0);
  assert.deepEqual(positions.flatMap((p, i) => (p.argmaxDiffers ? [i] : [])), [], 'argmax differs');
  const worst = Math.max(...positions.map((p) => p.difference));
  assert.ok(worst < logitTolerance, `largest logit difference ${worst}`);
});

test('embedded model: the shipped graph (int8 activations) stays within its rounding of the reference', async () => {
  const ref = reference();
  const positions = compare(await logitRows(modelDir, ref.input_ids), ref, 2 * roundingTolerance);
  const differences = positions.map((p) => p.difference).sort((a, b) => a - b);
  const median = differences[Math.floor(differences.length / 2)];
  assert.ok(median < medianTolerance, `median of the positions' largest logit differences ${median}`);
  const off = positions.flatMap((p, i) => (p.difference > roundingTolerance || p.argmaxDiffers ? [i] : []));
  assert.ok(off.length <= shareOffAllowed * positions.length, `positions off by more than the rounding: ${off.join(', ')} of ${positions.length}`);
});

test('embedded model: the engine tokenizes the reference text as training did', async () => {
  const reference = JSON.parse(fs.readFileSync(path.join(modelDir, 'reference-logits.json'), 'utf8')) as ReferenceLogits;
  const engine = await load();
  assert.deepEqual([engine.config.bosTokenId, ...engine.encode(reference.text)], reference.input_ids);
  await engine.dispose();
});

test('embedded model: greedy completion of a code prefix gives text; with a suffix it fills in the middle', async () => {
  const engine = await load();
  assert.equal((await engine.capabilities()).fim, true);
  const plain = await drain(engine.complete({ prompt: 'import os\n\n\ndef main():\n    ', maxTokens: 16, temperature: 0 }, never));
  assert.ok(plain.text.trim().length > 0, `empty completion (${plain.finishReason})`);

  const prefix = 'def add(a, b):\n    return ';
  const suffix = '\n\n\ndef sub(a, b):\n    return a - b\n';
  const infill = await drain(engine.complete({ prompt: prefix, suffix, maxTokens: 24, temperature: 0 }, never));
  assert.ok(infill.text.length > 0, 'empty infill');
  const config = engine.config;
  const expected = [config.bosTokenId, config.fim!.prefix, ...engine.encode(prefix), config.fim!.suffix, ...engine.encode(suffix), config.fim!.middle];
  assert.equal(engine.stats().lastPrompt.promptTokens, expected.length);
  await engine.dispose();
});

test('embedded model: a cursor inside a word gets the rest of the word (token healing)', async () => {
  const engine = await load();
  // Lines cut mid-word from held-out code; without healing the model answered each with ` {` or `(`.
  const cases = [
    { prompt: 'export functio', suffix: '\n' },
    { prompt: 'module.exports = unzip;\n\n  functi', suffix: '\n' },
    { prompt: 'class Redi', suffix: '\n    pass\n' },
  ];
  for (const { prompt, suffix } of cases) {
    const events = [];
    for await (const event of engine.complete({ prompt, suffix, maxTokens: 8, temperature: 0, stop: ['\n'], tokenHealing: true }, never)) events.push(event);
    const text = events.map((event) => (event.kind === 'text' ? event.text : '')).join('');
    assert.match(text, /^[a-z]/, `${JSON.stringify(prompt)} went on with ${JSON.stringify(text)}, not the word`);
    // The typed text the model re-spelled is neither shown nor scored.
    for (const event of events) if (event.kind === 'text') assert.equal(event.tokens?.length, event.logprobs?.length);
    const typedWord = /\w+$/.exec(prompt)![0];
    assert.ok(!text.startsWith(typedWord), `the typed ${typedWord} came back in ${JSON.stringify(text)}`);
    assert.ok(engine.stats().lastPrompt.promptTokens < [engine.config.bosTokenId, 0, ...engine.encode(prompt), 0, ...engine.encode(suffix), 0].length, 'the partial word stays in the prompt');
  }
  await engine.dispose();
});

test('embedded model: at the indentation the editor put the cursor at, the answer starts with code, not more indentation', async () => {
  const engine = await load();
  // Unfiltered, `{` then two spaces was answered with six more (`      return this.option`).
  const cases = ['export function fibonacci(n: number): number {\n  ', 'def read_config(path):\n    with open(path) as f:\n        ', 'class A {\n\tconstructor() {\n\t\t'];
  for (const prefix of cases) {
    const answer = await completeAt(engine, prefix, prefix.length, { maxTokens: 16, temperature: 0 }, never);
    assert.ok(answer.multiline);
    assert.match(answer.insertText, /^[^ \t]/, `${JSON.stringify(prefix)} was answered with ${JSON.stringify(answer.insertText)}`);
  }
  await engine.dispose();
});

test('embedded model: on a blank line in a block the code after closes, the answer is code for the block, not nothing', async () => {
  const engine = await load();
  // Held-out cases (underscore's modules) where the model answered `}` first, which balanceBrackets cut to nothing.
  const documents = ['export default function isObject(obj) {\n|\n}\n', 'export default function create(prototype, props) {\n  var result = baseCreate(prototype);\n|\n}\n'];
  for (const document of documents) {
    const offset = document.indexOf('|');
    const answer = await completeAt(engine, document.replace('|', ''), offset, { maxTokens: 32, temperature: 0, timeBudgetMs: Infinity }, never);
    assert.ok(answer.multiline);
    assert.ok(answer.insertText.trim().length > 0, `${JSON.stringify(document)}: nothing shown`);
    assert.doesNotMatch(answer.insertText, /^\s*\}/);
  }
  await engine.dispose();
});

test('embedded model: a scored continuation gets the log-probabilities generation gave its tokens, and the line end\'s', async () => {
  const engine = await load();
  const request = { prompt: 'function add(a, b) {\n  return a + b;\n}\n\nfunction sub(a, b) {\n  return', suffix: '\n}\n', maxTokens: 12, temperature: 0, stop: ['\n'] };
  const generated: number[] = [];
  const { text, finishReason } = await drain(engine.complete(request, never), (_, piece) => generated.push(...(piece.logprobs ?? [])));
  assert.equal(finishReason, 'stop', `the line ended: ${JSON.stringify(text)}`);
  assert.equal(engine.encode(text).length, generated.length, `${JSON.stringify(text)} tokenizes back to the tokens generated`);
  const [score] = await engine.scoreContinuations(request, [{ text }], never);
  assert.equal(score.tokenLogprobs.length, generated.length);
  // Scoring runs the tokens in one run, generation one at a time: int8 activations are quantized per run.
  for (const [index, logprob] of score.tokenLogprobs.entries()) assert.ok(Math.abs(logprob - generated[index]) < activationRoundingLogprob, `token ${index}: ${logprob} vs ${generated[index]}`);
  // Greedy generation ended the line there, so its end was the likeliest next token: the end term is no small share.
  const lineEnd = score.logprob - score.tokenLogprobs.reduce((sum, logprob) => sum + logprob, 0);
  assert.ok(lineEnd < 0 && lineEnd > Math.log(0.05), `log P(line ends) = ${lineEnd}`);
  // A continuation whose first token alone is less likely than the greedy line is not run, and its bound holds.
  // (` ]]]] …` stopped being one at step 11,309: its first token became likelier than that model's greedy line.)
  const unlikely = '§§ ]]]] ;;;; ))))';
  const [full] = await engine.scoreContinuations(request, [{ text: unlikely }], never);
  assert.ok(full.tokenLogprobs[0] < score.logprob, `the first token (${full.tokenLogprobs[0]}) is less likely than the greedy line (${score.logprob})`);
  const [, pruned] = await engine.scoreContinuations(request, [{ text }, { text: unlikely }], never);
  assert.equal(pruned.pruned, true);
  assert.ok(pruned.logprob <= score.logprob);
  assert.ok(full.pruned === undefined && full.logprob <= pruned.logprob, `${full.logprob} scored, bound ${pruned.logprob}`);
  await engine.dispose();
});

test('embedded model: a copy of a line that starts as the typed line does wins over a likelier greedy line, and is shown', async () => {
  const engine = await load();
  // The model's own lines here are `ecated():` and `(n)`; it rates the copies lower (-16.2 against -12.1, -9.5 against
  // -3.7 at step 11,309), so only the prior weight puts them first.
  const cases = [
    { document: 'def test_a():\n    with warns_deprecated_sympy():\n        f(1)\n\n\ndef test_b():\n    with warns_depr|\n', copy: 'ecated_sympy():' },
    { document: 'class Vector:\n    def norm(self):\n        n = self.dimension\n        return sqrt(n)\n\n    def unit(self):\n        n = self|\n', copy: '.dimension' },
  ];
  for (const { document, copy } of cases) {
    const offset = document.indexOf('|');
    // The default threshold: the prior counts in the confidence too.
    const answer = await completeAt(engine, document.replace('|', ''), offset, { maxTokens: 64, temperature: 0, minConfidence: 0.7 }, never);
    assert.equal(answer.insertText, copy);
    assert.equal(answer.fromContext, true);
  }
  await engine.dispose();
});

test('embedded model: a line copied from the context is shown where the model rates it above its greedy line', async () => {
  const engine = await load();
  const before = 'function readConfig(path, strict) {\n  debug(`Reading config file: ${path}`);\n}\n\nfunction writeConfig(path, data) {\n  debug(`Writing config file: ${pa';
  const document = `${before}\n}\n`;
  const options = { maxTokens: 64, temperature: 0, minConfidence: 0 };
  const answer = await completeAt(engine, document, before.length, options, never);
  assert.equal(answer.insertText, 'th}`);');
  assert.equal(answer.fromContext, true);
  assert.ok(answer.confidence && answer.confidence.tokens > 0, 'the copied line is scored for the confidence threshold');
  // The same engine without scoring: greedy decoding alone does not close the template string.
  const greedyOnly: Engine = { info: engine.info, capabilities: () => engine.capabilities(), complete: (request, signal) => engine.complete(request, signal), chat: (request, signal) => engine.chat(request, signal), dispose: async () => undefined };
  const greedy = await completeAt(greedyOnly, document, before.length, options, never);
  assert.notEqual(greedy.insertText, answer.insertText);
  assert.equal(greedy.fromContext, undefined);
  // The line to copy may lie beyond the model's window (its 1,024 tokens hold about 3,000 characters before the cursor).
  const filler = Array.from({ length: 120 }, (_, i) => `function step${i}(state) {\n  state.count += ${i};\n  return state;\n}\n`).join('\n');
  const far = before.replace('function writeConfig', `${filler}\nfunction writeConfig`);
  assert.ok(far.length - far.indexOf('Reading config') > 7000);
  const copiedFromFar = await completeAt(engine, `${far}\n}\n`, far.length, options, never);
  assert.equal(copiedFromFar.insertText, 'th}`);');
  assert.equal(copiedFromFar.fromContext, true);
  await engine.dispose();
});

test('embedded model: text that spells a control token stays text', async () => {
  const engine = await load();
  const { fim, eosTokenId, bosTokenId } = engine.config;
  const ids = engine.encode('<fim_prefix><fim_suffix><fim_middle><|endoftext|><s>');
  for (const id of [fim!.prefix, fim!.suffix, fim!.middle, eosTokenId, bosTokenId]) assert.ok(!ids.includes(id), `text became control token ${id}`);
  await engine.dispose();
});

function copyModel(): string {
  const dir = tempDir('damaged');
  for (const file of fs.readdirSync(modelDir)) fs.copyFileSync(path.join(modelDir, file), path.join(dir, file));
  return dir;
}

test('embedded model: a damaged folder gives an error naming the file', async () => {
  const noTokenizer = copyModel();
  fs.rmSync(path.join(noTokenizer, 'tokenizer.json'));
  await assert.rejects(load(noTokenizer), (error: Error) => error instanceof EngineError && error.message.includes(path.join(noTokenizer, 'tokenizer.json')));

  const truncated = copyModel();
  const onnx = path.join(truncated, 'model.onnx');
  fs.truncateSync(onnx, Math.floor(fs.statSync(onnx).size / 2));
  await assert.rejects(load(truncated), (error: Error) => error instanceof EngineError && error.message.includes(onnx));

  const noConfig = copyModel();
  fs.rmSync(path.join(noConfig, 'config.json'));
  await assert.rejects(load(noConfig), (error: Error) => error instanceof EngineError && error.message.includes(path.join(noConfig, 'config.json')));
});
