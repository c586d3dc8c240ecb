import assert from 'node:assert/strict';
import { test } from 'node:test';
import { fimPromptTokens, keepNewest, plainPromptTokens } from '../../server/engines/local/promptTokens';
import { parseModelConfig, serializeModelConfig } from '../../server/model/config';

const fim = { prefix: 4, suffix: 5, middle: 6 };
const range = (from: number, count: number) => Array.from({ length: count }, (_, i) => from + i);

test('fim prompt: prefix-suffix-middle layout with control tokens by id', () => {
  assert.deepEqual(fimPromptTokens(1, fim, [10, 11], [20, 21, 22], 100), [1, 4, 10, 11, 5, 20, 21, 22, 6]);
  assert.deepEqual(fimPromptTokens(1, fim, [], [], 100), [1, 4, 5, 6]);
});

test('fim prompt: suffix-prefix-middle layout puts the prefix right before the middle, cut the same way', () => {
  assert.deepEqual(fimPromptTokens(1, fim, [10, 11], [20, 21, 22], 100, 'spm'), [1, 5, 20, 21, 22, 4, 10, 11, 6]);
  const prefix = range(100, 200);
  const suffix = range(500, 200);
  const psm = fimPromptTokens(1, fim, prefix, suffix, 44);
  const spm = fimPromptTokens(1, fim, prefix, suffix, 44, 'spm');
  assert.deepEqual(spm, [1, 5, ...suffix.slice(0, 10), 4, ...prefix.slice(-29), 6]);
  assert.deepEqual([...spm].sort(), [...psm].sort(), 'the same tokens, in the other order');
  // Typing extends the prefix: everything before the typed tokens stays, so a KV cache keeps it.
  const typed = fimPromptTokens(1, fim, [...prefix, 300], suffix, 44, 'spm');
  assert.deepEqual(typed.slice(0, -2), spm.slice(0, -1));
});

test('fim prompt: over budget, keeps the end of the prefix and the start of the suffix', () => {
  const prefix = range(100, 200);
  const suffix = range(500, 200);
  const tokens = fimPromptTokens(1, fim, prefix, suffix, 44); // 40 text tokens: 10 suffix, 30 prefix
  // The prefix is cut in blocks of 30 / 8 = 3 tokens: 171 of 200 dropped, 29 kept.
  assert.equal(tokens.length, 43);
  assert.deepEqual(tokens.slice(0, 2), [1, 4]);
  assert.deepEqual(tokens.slice(2, 31), prefix.slice(-29));
  assert.deepEqual(tokens.slice(31, 43), [5, ...suffix.slice(0, 10), 6]);
  // A short prefix leaves its room to the suffix.
  const shortPrefix = fimPromptTokens(1, fim, [7], suffix, 44);
  assert.equal(shortPrefix.length, 44);
  assert.deepEqual(shortPrefix.slice(4, 43), suffix.slice(0, 39));
});

test('plain prompt: BOS then text, oldest tokens dropped first', () => {
  assert.deepEqual(plainPromptTokens(1, [5, 6, 7], 10), [1, 5, 6, 7]);
  assert.deepEqual(plainPromptTokens(1, [5, 6, 7], 3), [1, 6, 7]);
});

test('prompt cut: a prompt growing a token at a time keeps its first tokens for a block of steps', () => {
  const room = 64; // blocks of 8
  const starts = range(0, 24).map((grown) => keepNewest(range(0, 100 + grown), room)[0]);
  // 36 over: 40 dropped, until 41 over (grown 5): 48 dropped, and so on.
  assert.deepEqual(starts, [...Array(5).fill(40), ...Array(8).fill(48), ...Array(8).fill(56), ...Array(3).fill(64)]);
  for (let grown = 0; grown < 24; grown++) {
    const kept = keepNewest(range(0, 100 + grown), room);
    assert.ok(kept.length <= room && kept.length > room - 8, `kept ${kept.length}`);
    assert.equal(kept.at(-1), 99 + grown);
  }
  assert.deepEqual(keepNewest([1, 2, 3], 3), [1, 2, 3]);
  assert.deepEqual(keepNewest([1, 2, 3], 0), []);
});

const base = {
  architecture: 'grok', vocab_size: 100, hidden_size: 32, num_hidden_layers: 1, num_attention_heads: 2, num_key_value_heads: 1,
  num_experts: 2, num_experts_per_tok: 1, intermediate_size: 8, max_position_embeddings: 16,
};

test('config: FIM token ids are read, written back, and checked together', () => {
  const withFim = parseModelConfig({ ...base, fim_prefix_token_id: 4, fim_suffix_token_id: 5, fim_middle_token_id: 6 }, 'config.json');
  assert.deepEqual(withFim.fim, fim);
  assert.equal(serializeModelConfig(withFim).fim_middle_token_id, 6);
  assert.equal(parseModelConfig(base, 'config.json').fim, undefined);
  assert.equal('fim_prefix_token_id' in serializeModelConfig(parseModelConfig(base, 'config.json')), false);
  assert.throws(() => parseModelConfig({ ...base, fim_prefix_token_id: 4 }, 'config.json'), /go together/);
  assert.throws(() => parseModelConfig({ ...base, fim_prefix_token_id: 4, fim_suffix_token_id: 5, fim_middle_token_id: 100 }, 'config.json'), /fim_middle_token_id.*below 100/);
});

test('config: the FIM layout is prefix-suffix-middle unless config.json says spm; anything else is named', () => {
  assert.equal(parseModelConfig(base, 'config.json').fimLayout, 'psm');
  const spm = parseModelConfig({ ...base, fim_layout: 'spm' }, 'config.json');
  assert.equal(spm.fimLayout, 'spm');
  assert.equal(serializeModelConfig(spm).fim_layout, 'spm');
  assert.throws(() => parseModelConfig({ ...base, fim_layout: 'pms' }, 'config.json'), /fim_layout/);
});
