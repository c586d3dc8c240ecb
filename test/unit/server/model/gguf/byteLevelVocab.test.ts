import assert from 'node:assert/strict';
import { test } from 'node:test';
import { byteLevelVocabOf, preTokenizerName, preTokenizers, tokenizerJsonOf, TokenType } from '../../../../../server/model/gguf/byteLevelVocab';

const qwenPre = { type: 'Sequence', pretokenizers: [{ type: 'Split', pattern: { Regex: preTokenizers.get('qwen2') }, behavior: 'Isolated', invert: false }, { type: 'ByteLevel', use_regex: false }] };

test("byte-level vocab: the pre-tokenizer's llama.cpp name from its regex; not byte-level is undefined; an unnamed regex is refused", () => {
  assert.equal(preTokenizerName({ pre_tokenizer: qwenPre }, 't.json'), 'qwen2');
  assert.equal(preTokenizerName({ pre_tokenizer: { type: 'ByteLevel', use_regex: true } }, 't.json'), 'gpt-2');
  assert.equal(preTokenizerName({ pre_tokenizer: { type: 'Metaspace' } }, 't.json'), undefined);
  assert.equal(preTokenizerName({ pre_tokenizer: null }, 't.json'), undefined);
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
