import { describe, test } from 'node:test';
import * as assert from 'node:assert/strict';
import { parseSettings } from '../../../../server/lsp/settings';
import { defaultSettings } from '../../../../server/protocol/contract';

describe('parseSettings', () => {
  test('fills defaults', () => {
    const parsed = parseSettings({ openai: { endpoints: ['http://x/v1'] } });
    assert.ok(parsed.ok);
    assert.deepEqual(parsed.settings.openai.endpoints, ['http://x/v1']);
    assert.equal(parsed.settings.completion.maxTokens, defaultSettings.completion.maxTokens);
  });
  for (const [name, raw, pattern] of [
    ['unknown engine', { engine: 'gpt' }, /rook\.engine/],
    ['endpoints not a list', { openai: { endpoints: 'http://x' } }, /endpoints/],
    ['tiny timeout', { openai: { requestTimeoutMs: 5 } }, /requestTimeoutMs/],
    ['bad provider', { local: { executionProvider: 'tpu' } }, /executionProvider/],
    ['too many tokens', { completion: { maxTokens: 100000 } }, /maxTokens/],
    ['not an object', 42, /object/],
  ] as const) {
    test(`rejects ${name}`, () => {
      const parsed = parseSettings(raw);
      assert.equal(parsed.ok, false);
      assert.match((parsed as { problem: string }).problem, pattern);
    });
  }
});
