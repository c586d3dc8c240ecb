/**
 * Hostile model files (issue 22, "Model files"): what an outside fuzz campaign fed `rook convert`, each written the
 * way real files lay out their bytes (GGUF, safetensors, config.json, tokenizer files) into a temp folder. Every one
 * must fail fast with Rook's message naming the file and the field, or (a real vocabulary) convert.
 */
import assert from 'node:assert/strict';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { test } from 'node:test';
import { firstLineConfidence } from '../../server/completion/confidence';
import { convertCheckpoint } from '../../server/model/convert';
import { modelFiles } from '../../server/model/modelFiles';
import { tempDir } from './fixtures';
import { hfGrokCheckpoint } from './hfCheckpoints';

const repo = path.resolve(__dirname, '..', '..', '..');
const tinyBpeModel = path.join(repo, 'test', 'fixtures', 'sentencepiece', 'tiny-bpe.model');
const tinyBpeVocab = 600;
const escaped = (text: string) => text.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');

/** Runs `convert` and expects Rook's error: the message starts with `file`, then matches `problem`; nothing is written. */
function expectRefusal(source: string, file: string, problem: RegExp, label = problem.source): void {
  const out = path.join(tempDir('refused'), 'out');
  const started = performance.now();
  assert.throws(
    () => convertCheckpoint(source, out),
    (error: Error) => {
      assert.ok(!(error instanceof RangeError) && !(error instanceof TypeError), `${label}: a raw ${error.name}: ${error.message}`);
      assert.match(error.message, new RegExp(`^${escaped(file)}: ${problem.source}`), label);
      return true;
    },
    label,
  );
  assert.ok(performance.now() - started < 5000, `${label}: took ${Math.round(performance.now() - started)} ms`);
  assert.equal(fs.existsSync(out), false, `${label}: nothing written`);
}

test("limits: Grok-1's 131,072-token tokenizer.json converts (its ids are not spread into one call)", () => {
  const vocabSize = 131072;
  const { checkpoint } = hfGrokCheckpoint(tinyBpeModel, vocabSize, 81);
  const vocab: Record<string, number> = {};
  for (let id = 0; id < vocabSize; id++) vocab[`t${id}`] = id;
  const addedTokens = Array.from({ length: vocabSize }, (_, id) => ({ id, content: `t${id}`, special: false }));
  const tokenizerJson = JSON.stringify({ version: '1.0', added_tokens: addedTokens, model: { type: 'BPE', vocab, merges: [] } });
  fs.writeFileSync(path.join(checkpoint, modelFiles.tokenizer), tokenizerJson);
  const out = path.join(tempDir('converted'), 'grok-vocab');
  const result = convertCheckpoint(checkpoint, out);
  assert.equal(result.config.vocabSize, vocabSize);
  assert.equal(fs.readFileSync(path.join(out, modelFiles.tokenizer), 'utf8'), tokenizerJson);

  // One id past the vocabulary is still refused, naming the tokenizer.
  vocab.extra = vocabSize;
  fs.writeFileSync(path.join(checkpoint, modelFiles.tokenizer), JSON.stringify({ added_tokens: [], model: { type: 'BPE', vocab, merges: [] } }));
  expectRefusal(checkpoint, path.join(checkpoint, modelFiles.tokenizer), /has token id 131072 but config.json says vocab_size 131072/);
});

test('limits: the confidence of a very long first line is scored without spreading its log-probabilities', () => {
  const logprobs = Array.from({ length: 300_000 }, (_, i) => -(i % 7) / 10);
  const confidence = firstLineConfidence([{ text: 'x'.repeat(10), logprobs }]);
  assert.equal(confidence?.tokens, 300_000);
  assert.equal(confidence?.min, Math.exp(-0.6));
});
