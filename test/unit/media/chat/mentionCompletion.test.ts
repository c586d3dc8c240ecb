import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { mentionAtCaret } from '../../../../media/chat/mentionCompletion';

describe('mentionAtCaret', () => {
  it('finds the mention being typed at the caret', () => {
    assert.deepEqual(mentionAtCaret('look at @src/ma', 15), { start: 8, query: 'src/ma' });
    assert.deepEqual(mentionAtCaret('@', 1), { start: 0, query: '' });
  });

  it('finds none after a space, inside a word, or before the caret moved past it', () => {
    assert.equal(mentionAtCaret('@main.ts and', 12), undefined);
    assert.equal(mentionAtCaret('mail me@example', 15), undefined);
    assert.equal(mentionAtCaret('see @main.ts now', 3), undefined);
  });
});
