import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { recentTurns } from '../../../../extension/chat/historyBudget';
import type { ChatMessage } from '../../../../server/protocol/contract';

const user = (content: string): ChatMessage => ({ role: 'user', content });
const assistant = (content: string): ChatMessage => ({ role: 'assistant', content });

describe('the turns sent with the next question', () => {
  const history = [user('q1'), assistant('a'.repeat(50)), user('q2'), assistant('a2'), user('q3'), assistant('a3')];

  test('sends the whole history when it fits', () => {
    assert.deepEqual(recentTurns(history, user('next'), 1000), [...history, user('next')]);
  });

  test('drops the oldest turns first, whole, so what is sent starts with a question', () => {
    // 'next' 4 + a3 2 + q3 2 + a2 2 + q2 2 = 12; a 50-character answer does not fit in 20.
    assert.deepEqual(recentTurns(history, user('next'), 20), [user('q2'), assistant('a2'), user('q3'), assistant('a3'), user('next')]);
    // An answer that fits without its question is dropped too.
    assert.deepEqual(recentTurns(history, user('next'), 10), [user('q3'), assistant('a3'), user('next')]);
  });

  test('after an answer longer than the budget, the next question still goes (without it)', () => {
    const huge = [user('write a lot'), assistant('x'.repeat(3_000_000))];
    assert.deepEqual(recentTurns(huge, user('thanks; now shorter?'), 2_000_000), [user('thanks; now shorter?')]);
  });

  test('a question over the budget on its own is sent as is, for the sidecar to refuse by name', () => {
    const long = user('y'.repeat(30));
    assert.deepEqual(recentTurns(history, long, 20), [long]);
  });
});
