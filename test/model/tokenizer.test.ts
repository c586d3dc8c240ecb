import assert from 'node:assert/strict';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { test } from 'node:test';

type TokenizersModule = typeof import('@huggingface/tokenizers', { with: { 'resolution-mode': 'import' } });
const { Tokenizer } = require('@huggingface/tokenizers') as TokenizersModule;

const tokenizerFile = path.resolve(__dirname, '..', '..', '..', 'models', 'rook-moe-mini', 'tokenizer.json');
// The options the local engine uses: no clean-up of spaces before punctuation.
const tokenizer = new Tokenizer(JSON.parse(fs.readFileSync(tokenizerFile, 'utf8')), { clean_up_tokenization_spaces: false });

const samples = [
  'export function add(a: number, b: number): number {\n  return a + b;\n}\n',
  'def f(x):\n\tif not x:\n\t\treturn None  # tab-indented\n    return x ! = 1 , y ;\n',
  'const s = `héllo ${name} — ✓ 😀 中文`;\r\nlet empty = "";   \n\n\n',
  '    \n  leading and trailing spaces   ',
  'x = [0x1F, 1e-9, 42_000]; print(f"{x!r:>10}")\n',
];

test('tokenizer: encode then decode gives back the exact code, for every corpus language and odd characters', () => {
  for (const text of samples) {
    const ids = tokenizer.encode(text, { add_special_tokens: false }).ids;
    assert.equal(tokenizer.decode(ids, {}), text);
  }
});

test('tokenizer: code compresses to well under one token per character', () => {
  const text = samples.join('');
  const ids = tokenizer.encode(text, { add_special_tokens: false }).ids;
  assert.ok(ids.length < text.length * 0.6, `${ids.length} tokens for ${text.length} characters`);
});
