import assert from 'node:assert/strict';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { test } from 'node:test';
import { bpeMerges, convertSentencePieceFile, SentencePieceError } from '../../server/model/import/sentencepiece';

type TokenizersModule = typeof import('@huggingface/tokenizers', { with: { 'resolution-mode': 'import' } });
const { Tokenizer } = require('@huggingface/tokenizers') as TokenizersModule;

const repo = path.resolve(__dirname, '..', '..', '..');
const fixtures = path.join(repo, 'test', 'fixtures', 'sentencepiece');
const goldens = JSON.parse(fs.readFileSync(path.join(fixtures, 'goldens.json'), 'utf8')) as Record<string, { text: string; ids: number[] }[]>;

/** The converted tokenizer loaded the way the local engine loads tokenizer.json. */
function convertedTokenizer(model: string) {
  return new Tokenizer(convertSentencePieceFile(path.join(fixtures, `${model}.model`)), { clean_up_tokenization_spaces: false });
}

test('sentencepiece: the embedded model\'s tokenizer.model converts to exactly the tokenizer.json its Python converter wrote', () => {
  const converted = convertSentencePieceFile(path.join(fixtures, 'rook-moe-mini.model'));
  const shipped = JSON.parse(fs.readFileSync(path.join(repo, 'models', 'rook-moe-mini', 'tokenizer.json'), 'utf8'));
  assert.deepEqual(converted, shipped);
});

for (const model of ['rook-moe-mini', 'tiny-bpe']) {
  test(`sentencepiece: ${model} (BPE) converted tokenizer reproduces SentencePiece's own ids`, () => {
    const tokenizer = convertedTokenizer(model);
    for (const { text, ids } of goldens[model]) assert.deepEqual(tokenizer.encode(text, { add_special_tokens: false }).ids, ids, JSON.stringify(text));
  });
}

test('sentencepiece: Grok-like settings (dummy prefix, whitespace clean-up) decode back to SentencePiece\'s normalized text', () => {
  const tokenizer = convertedTokenizer('tiny-bpe');
  const decode = (text: string) => tokenizer.decode(tokenizer.encode(text, { add_special_tokens: false }).ids, {});
  assert.equal(decode('  two   spaces  '), 'two spaces');
  assert.equal(decode('def f(x):\n  return x'), 'def f(x): return x');
});

/**
 * @huggingface/tokenizers 0.2.0 (the engine's tokenizer library) implements Unigram without byte fallback and
 * matches control pieces inside text, so samples with characters outside the tiny vocabulary or with `<s>` differ
 * from SentencePiece there; the converted tokenizer.json itself carries `byte_fallback` for libraries that honour it.
 */
const unigramLibraryGaps = new Set(['const s = `héllo ${name} — ✓ 😀 中文`;', 'ﬁle Ｆｕｌｌｗｉｄｔｈ ①②③ café', 'x = [0x1F, 1e-9, 42_000]; print(f"{x!r:>10}")', '<s> and </s> are text here, not control tokens', '🦀🐍 emoji need byte fallback 𝔘𝔫𝔦𝔠𝔬𝔡𝔢']);

test('sentencepiece: a Unigram model converts to Unigram and reproduces SentencePiece\'s ids on in-vocabulary text', () => {
  const converted = convertSentencePieceFile(path.join(fixtures, 'tiny-unigram.model')) as { model: { type: string; byte_fallback: boolean } };
  assert.equal(converted.model.type, 'Unigram');
  assert.equal(converted.model.byte_fallback, true);
  const tokenizer = convertedTokenizer('tiny-unigram');
  const checked = goldens['tiny-unigram'].filter(({ text }) => !unigramLibraryGaps.has(text));
  assert.equal(checked.length, 5);
  for (const { text, ids } of checked) assert.deepEqual(tokenizer.encode(text, { add_special_tokens: false }).ids, ids, JSON.stringify(text));
});

test('sentencepiece: merges follow the merged piece\'s score, only between mergeable pieces', () => {
  const normal = 1;
  const control = 3;
  const pieces = [
    { piece: '<s>', score: 0, type: control },
    { piece: 'a', score: -1, type: normal },
    { piece: 'b', score: -2, type: normal },
    { piece: 'ab', score: -5, type: normal },
    { piece: 'ba', score: -3, type: normal },
    { piece: 'aba', score: -4, type: normal },
    { piece: '<', score: -6, type: normal },
    { piece: 's>', score: -7, type: normal },
  ];
  assert.deepEqual(bpeMerges(pieces), ['b a', 'a ba', 'ab a', 'a b']);
});

test('sentencepiece: a corrupt or truncated tokenizer.model is reported with its path', () => {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'rook-spm-'));
  const truncated = path.join(dir, 'truncated.model');
  fs.writeFileSync(truncated, fs.readFileSync(path.join(fixtures, 'tiny-bpe.model')).subarray(0, 1001));
  assert.throws(() => convertSentencePieceFile(truncated), (error: Error) => error instanceof SentencePieceError && error.message.startsWith(`${truncated}: not a SentencePiece model`));
  const garbage = path.join(dir, 'garbage.model');
  fs.writeFileSync(garbage, 'this is not a protobuf\n');
  assert.throws(() => convertSentencePieceFile(garbage), (error: Error) => error.message.startsWith(`${garbage}: not a SentencePiece model`));
  const piecesOnly = path.join(dir, 'pieces-only.model');
  fs.writeFileSync(piecesOnly, Uint8Array.of(0x0a, 0x03, 0x0a, 0x01, 0x61)); // field 1 { piece: "a" }, no trainer_spec
  assert.throws(() => convertSentencePieceFile(piecesOnly), (error: Error) => error.message === `${piecesOnly}: not a SentencePiece model (it has no trainer_spec); re-download tokenizer.model or provide tokenizer.json instead`);
  const missing = path.join(dir, 'missing.model');
  assert.throws(() => convertSentencePieceFile(missing), new RegExp(`^SentencePieceError: ${missing.replace(/[.*+?^${}()|[\]\\]/g, '\\$&')}: cannot read \\(ENOENT\\)`));
  fs.rmSync(dir, { recursive: true });
});
