import { describe, test } from 'node:test';
import * as assert from 'node:assert/strict';
import { percentile, LatencyWindow } from '../../../server/metrics/latency';
import { parseSettings } from '../../../server/lsp/settings';
import { defaultSettings } from '../../../server/protocol/contract';
import { editMessages, extractCode } from '../../../server/edit/editPrompt';
import { withSystemPrompt } from '../../../server/chat/chatPrompt';

describe('latency', () => {
  test('nearest-rank percentiles', () => {
    const values = [50, 10, 40, 20, 30];
    assert.equal(percentile(values, 50), 30);
    assert.equal(percentile(values, 90), 50);
    assert.equal(percentile([], 50), 0);
  });
  test('the window keeps only the last samples', () => {
    const window = new LatencyWindow(3);
    for (const ms of [1000, 1000, 1000, 10, 20, 30]) window.add(ms);
    assert.deepEqual(window.summary(), { count: 3, p50Ms: 20, p90Ms: 30 });
  });
});

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

describe('prompts', () => {
  test('the edit prompt carries the language, code and instruction', () => {
    const [, user] = editMessages({ languageId: 'python', original: 'x=1', instruction: 'add a type' });
    assert.match(user.content, /add a type/);
    assert.match(user.content, /```python\nx=1\n```/);
  });
  test('extractCode takes the first fenced block', () => assert.equal(extractCode('Sure:\n```ts\na();\nb();\n```\nDone.'), 'a();\nb();'));
  test('extractCode takes an unterminated block', () => assert.equal(extractCode('```js\nx();'), 'x();'));
  test('extractCode falls back to the trimmed answer', () => assert.equal(extractCode('  a();\n'), 'a();'));
  test('the system prompt is added once', () => {
    const once = withSystemPrompt([{ role: 'user', content: 'hi' }]);
    assert.equal(once[0].role, 'system');
    assert.equal(withSystemPrompt(once).length, 2);
  });
});
