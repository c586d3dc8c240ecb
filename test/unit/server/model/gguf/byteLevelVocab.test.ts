import assert from 'node:assert/strict';
import { test } from 'node:test';
import { byteLevelVocabOf, preTokenizerName, tokenizerJsonOf, TokenType } from '../../../../../server/model/gguf/byteLevelVocab';
import { asLlamaCppApplies, preTokenizers } from '../../../../../server/model/tokenizerRegexes';

const qwenPre = { type: 'Sequence', pretokenizers: [{ type: 'Split', pattern: { Regex: preTokenizers.get('qwen2')![0] }, behavior: 'Isolated', invert: false }, { type: 'ByteLevel', use_regex: false }] };

test("byte-level vocab: the pre-tokenizer's llama.cpp name from its regex; not byte-level is undefined; an unnamed regex is refused", () => {
  assert.equal(preTokenizerName({ pre_tokenizer: qwenPre }, 't.json'), 'qwen2');
  assert.equal(preTokenizerName({ pre_tokenizer: { type: 'ByteLevel', use_regex: true } }, 't.json'), 'gpt-2');
  assert.equal(preTokenizerName({ pre_tokenizer: { type: 'Metaspace' } }, 't.json'), undefined);
  assert.equal(preTokenizerName({ pre_tokenizer: null }, 't.json'), undefined);
  // DeepSeek's Splits, as its models' tokenizer.json files write them; in another order, or one missing, no name.
  const deepseekSplits = preTokenizers.get('deepseek-coder')!.map((regex) => ({ type: 'Split', pattern: { Regex: regex }, behavior: 'Isolated', invert: false }));
  const deepseekPre = (splits: object[]) => ({ pre_tokenizer: { type: 'Sequence', pretokenizers: [...splits, { type: 'ByteLevel', use_regex: false }] } });
  assert.equal(preTokenizerName(deepseekPre(deepseekSplits), 't.json'), 'deepseek-coder');
  assert.throws(() => preTokenizerName(deepseekPre(deepseekSplits.slice(1)), 't.json'), /llama\.cpp has no name for/);
  assert.throws(() => preTokenizerName(deepseekPre([...deepseekSplits].reverse()), 't.json'), /llama\.cpp has no name for/);
  const other = { type: 'Sequence', pretokenizers: [{ type: 'Split', pattern: { Regex: '\\p{N}{1,3}' } }, { type: 'ByteLevel', use_regex: false }] };
  assert.throws(() => preTokenizerName({ pre_tokenizer: other }, 't.json'), /^Error: t\.json: a byte-level tokenizer whose pre-tokenizer llama\.cpp has no name for/);
});

test('byte-level vocab: vocab, added tokens by type, padding to the model vocabulary, merges in either spelling; and back', () => {
  const tokenizer = {
    model: { type: 'BPE', vocab: { a: 0, b: 1, ab: 2 }, merges: [['a', 'b']] },
    added_tokens: [{ id: 3, content: '<|endoftext|>', special: true }, { id: 4, content: '<|fim_prefix|>', special: false }],
  };
  const vocab = byteLevelVocabOf(tokenizer, 'qwen2', 6, 't.json');
  assert.deepEqual(vocab.tokens, ['a', 'b', 'ab', '<|endoftext|>', '<|fim_prefix|>', '[PAD5]']);
  assert.deepEqual(vocab.types, [TokenType.normal, TokenType.normal, TokenType.normal, TokenType.control, TokenType.userDefined, TokenType.unused]);
  assert.deepEqual(vocab.merges, ['a b']);
  assert.deepEqual(byteLevelVocabOf({ ...tokenizer, model: { ...tokenizer.model, merges: ['a b'] } }, 'qwen2', 6, 't.json').merges, ['a b']);
  assert.throws(() => byteLevelVocabOf(tokenizer, 'qwen2', 4, 't.json'), /has id 4, outside config\.json's vocab_size 4/);
  assert.throws(() => byteLevelVocabOf({ ...tokenizer, model: { ...tokenizer.model, merges: [7] } }, 'qwen2', 6, 't.json'), /a merge is 7/);

  const back = tokenizerJsonOf(vocab, 'm.gguf') as { model: { vocab: Record<string, number>; merges: string[] }; added_tokens: { id: number; content: string; special: boolean }[]; pre_tokenizer: typeof qwenPre };
  assert.deepEqual(back.model.vocab, { a: 0, b: 1, ab: 2, '[PAD5]': 5 });
  assert.deepEqual(back.added_tokens.map(({ id, content, special }) => [id, content, special]), [[3, '<|endoftext|>', true], [4, '<|fim_prefix|>', false]]);
  assert.equal(preTokenizerName(back, 'back.json'), 'qwen2');
  assert.throws(() => tokenizerJsonOf({ ...vocab, pre: 'tekken' }, 'm.gguf'), /tokenizer\.ggml\.pre "tekken" is not one Rook reads/);
});

test("byte-level vocab: DeepSeek's several Splits in llama.cpp's order, their non-ASCII classes kept off non-ASCII whitespace as llama.cpp's are; named back", () => {
  for (const pre of ['deepseek-coder', 'deepseek-llm', 'deepseek-v3']) {
    const back = tokenizerJsonOf({ pre, tokens: ['a'], types: [TokenType.normal], merges: [] }, 'm.gguf') as { pre_tokenizer: { pretokenizers: { type: string; pattern?: { Regex: string } }[] } };
    const steps = back.pre_tokenizer.pretokenizers;
    assert.deepEqual(steps.map((step) => step.type), [...preTokenizers.get(pre)!.map(() => 'Split'), 'ByteLevel']);
    assert.deepEqual(steps.slice(0, -1).map((step) => step.pattern!.Regex), preTokenizers.get(pre)!.map(asLlamaCppApplies));
    assert.equal(preTokenizerName(back, 'back.json'), pre);
  }
  assert.equal(asLlamaCppApplies('[一-龥ࠀ-一가-퟿]+'), '(?:(?![\\u0085\\u00A0\\u1680\\u2000-\\u200A\\u2028\\u2029\\u202F\\u205F\\u3000])[一-龥ࠀ-一가-퟿])+');
  // A regex with \p{…} runs over llama.cpp's collapsed text, where \s and the categories match as in JavaScript; ASCII-only classes are left alone.
  assert.equal(asLlamaCppApplies('\\s?\\p{L}+'), '\\s?\\p{L}+');
  assert.equal(asLlamaCppApplies('[\r\n]'), '[\r\n]');
  const split = new RegExp(asLlamaCppApplies('\\s?[!-/:-~！-／：-～‘-‟　-。]+'), 'gu');
  assert.deepEqual('、\u3000。'.match(split), ['、', '\u3000。']);
});
