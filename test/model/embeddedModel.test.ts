import assert from 'node:assert/strict';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { test } from 'node:test';
import { drain, EngineError } from '../../server/engines/engine';
import { DecoderSession } from '../../server/engines/local/decoderSession';
import { openSession } from '../../server/engines/local/executionProvider';
import { LocalEngine } from '../../server/engines/local/localEngine';
import { readModelConfig } from '../../server/model/config';
import { tempDir } from '../engine/fixtures';

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

test('embedded model: ONNX engine logits equal PyTorch reference logits of the trained weights', async () => {
  const reference = JSON.parse(fs.readFileSync(path.join(modelDir, 'reference-logits.json'), 'utf8')) as ReferenceLogits;
  const config = readModelConfig(path.join(modelDir, 'config.json'));
  const { session } = await openSession(path.join(modelDir, 'model.onnx'), 'cpu', 1);
  const decoder = new DecoderSession(session, config);
  // The shipped graph gives the last position's logits. Each prefix of the first half as a prompt of its own covers
  // the prompt pass at every position; the second half, one token at a time after it, the KV-cache path.
  const split = Math.floor(reference.input_ids.length / 2);
  const rows: Float32Array[] = [];
  for (let length = 1; length <= split; length++) {
    decoder.truncate(0);
    rows.push(await decoder.forward(reference.input_ids.slice(0, length)));
  }
  for (const id of reference.input_ids.slice(split)) rows.push(await decoder.forward([id]));

  let worst = 0;
  reference.input_ids.forEach((_, position) => {
    const row = rows[position];
    assert.equal(row.length, config.vocabSize);
    reference.columns.forEach((column, j) => (worst = Math.max(worst, Math.abs(row[column] - reference.logits[position][j]))));
    assert.equal(row.indexOf(Math.max(...row)), reference.argmax[position], `argmax differs at position ${position}`);
  });
  assert.ok(worst < logitTolerance, `largest logit difference ${worst}`);
  await decoder.release();
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
