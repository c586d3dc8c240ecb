import assert from 'node:assert/strict';
import { test } from 'node:test';
import { fimPromptTokens, plainPromptTokens } from '../../server/engines/local/prompt-tokens';
import { parseModelConfig, serializeModelConfig } from '../../server/model/config';

const fim = { prefix: 4, suffix: 5, middle: 6 };
const range = (from: number, count: number) => Array.from({ length: count }, (_, i) => from + i);

test('fim prompt: prefix-suffix-middle layout with control tokens by id', () => {
  assert.deepEqual(fimPromptTokens(1, fim, [10, 11], [20, 21, 22], 100), [1, 4, 10, 11, 5, 20, 21, 22, 6]);
  assert.deepEqual(fimPromptTokens(1, fim, [], [], 100), [1, 4, 5, 6]);
});

test('fim prompt: over budget, keeps the end of the prefix and the start of the suffix', () => {
  const prefix = range(100, 200);
  const suffix = range(500, 200);
  const tokens = fimPromptTokens(1, fim, prefix, suffix, 44); // 40 text tokens: 10 suffix, 30 prefix
  assert.equal(tokens.length, 44);
  assert.deepEqual(tokens.slice(2, 32), prefix.slice(-30));
  assert.deepEqual(tokens.slice(33, 43), suffix.slice(0, 10));
  // A short prefix leaves its room to the suffix.
  const shortPrefix = fimPromptTokens(1, fim, [7], suffix, 44);
  assert.equal(shortPrefix.length, 44);
  assert.deepEqual(shortPrefix.slice(4, 43), suffix.slice(0, 39));
});

test('plain prompt: BOS then text, oldest tokens dropped first', () => {
  assert.deepEqual(plainPromptTokens(1, [5, 6, 7], 10), [1, 5, 6, 7]);
  assert.deepEqual(plainPromptTokens(1, [5, 6, 7], 2), [6, 7]);
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
