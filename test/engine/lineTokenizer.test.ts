/** Tokenizing line by line: exactly a tokenizer's own tokens where it applies, refused where it would not be. */
import assert from 'node:assert/strict';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { test } from 'node:test';
import { LineTokenizer, type TokenizerJson } from '../../server/engines/local/lineTokenizer';
import { modelFiles } from '../../server/model/modelFiles';
import { syntheticTokenizer } from '../../server/model/synthetic';
import { embeddedModelDir } from './fixtures';

type TokenizersModule = typeof import('@huggingface/tokenizers', { with: { 'resolution-mode': 'import' } });
const { Tokenizer } = require('@huggingface/tokenizers') as TokenizersModule;

const repo = path.resolve(__dirname, '..', '..', '..');
const sources = ['node_modules/vscode-jsonrpc/lib/common/connection.js', 'node_modules/highlight.js/lib/core.js', 'node_modules/typescript/lib/lib.es5.d.ts', 'training/corpus.py'];

function wholeEncoder(json: TokenizerJson): (text: string) => number[] {
  const tokenizer = new Tokenizer(json as object, { clean_up_tokenization_spaces: false });
  return (text) => tokenizer.encode(text, { add_special_tokens: false }).ids;
}

const embeddedJson = () => JSON.parse(fs.readFileSync(path.join(embeddedModelDir, modelFiles.tokenizer), 'utf8')) as TokenizerJson;

test('line tokenizer: on the embedded tokenizer it gives exactly the tokens of whole texts, real source cut anywhere and typed into', () => {
  const json = embeddedJson();
  const encode = wholeEncoder(json);
  const lines = LineTokenizer.ifExact(json, encode);
  assert.ok(lines, 'the embedded tokenizer never puts a line break inside a token');
  let seed = 7;
  const random = () => ((seed = (seed * 1103515245 + 12345) % 2 ** 31) / 2 ** 31);
  let compared = 0;
  for (const file of sources) {
    const source = fs.readFileSync(path.join(repo, file), 'utf8');
    for (let window = 0; window < 12; window++) {
      const start = Math.floor(random() * (source.length - 4000));
      const end = start + 200 + Math.floor(random() * 2500);
      // A prompt, then the same prompt after each of the next 8 characters typed: the cached lines serve again.
      for (let typed = 0; typed <= 8; typed++) {
        const text = source.slice(start, end + typed);
        assert.deepEqual(lines.encode(text), encode(text), `${file} [${start}, ${end + typed})`);
        compared++;
      }
    }
  }
  assert.equal(compared, sources.length * 12 * 9);
  for (const text of ['', '\n', '\n\n', 'a\n', '\na', '  \n\t\n', 'é\n😀 x\r\n']) assert.deepEqual(lines.encode(text), encode(text), JSON.stringify(text));
});

test('line tokenizer: refused where lines would tokenize differently: a normalizer that prepends, a pre-tokenizer, a piece with a line break', () => {
  const synthetic = syntheticTokenizer().json as TokenizerJson;
  assert.equal(LineTokenizer.ifExact(synthetic, wholeEncoder(synthetic)), undefined, 'Prepend adds ▁ at the start of every line');
  const embedded = embeddedJson();
  const refuse = (changed: TokenizerJson, why: string) => assert.equal(LineTokenizer.ifExact(changed, () => assert.fail('not encoded: refused on its layout')), undefined, why);
  refuse({ ...embedded, pre_tokenizer: { type: 'ByteLevel', add_prefix_space: false } }, 'a pre-tokenizer');
  const vocab = embedded.model!.vocab as Record<string, number>;
  refuse({ ...embedded, model: { ...embedded.model, vocab: { ...vocab, ')\n': 9000 } } }, 'a piece holding a line break');
  refuse({ ...embedded, model: { ...embedded.model, vocab: { ...vocab, 'ĊĊ': 9000 } } }, "byte-level BPE's line break");
  refuse({ ...embedded, model: { ...embedded.model, type: 'Unigram' } }, 'not BPE');
});
