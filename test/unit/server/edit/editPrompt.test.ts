import { describe, test } from 'node:test';
import * as assert from 'node:assert/strict';
import { editMessages, extractCode } from '../../../../server/edit/editPrompt';
import { withSystemPrompt } from '../../../../server/chat/chatPrompt';

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
