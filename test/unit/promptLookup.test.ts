import assert from 'node:assert/strict';
import { test } from 'node:test';
import { draftFromContext } from '../../server/engines/local/promptLookup';

const options = { maxNgram: 3, minNgram: 2, maxDraft: 4 };

test('prompt lookup: drafts what followed the latest earlier occurrence of the last tokens', () => {
  // ... 1 2 3 [4 5 6 7 8] ... 1 2 3 -> 4 5 6 7 (maxDraft 4)
  assert.deepEqual(draftFromContext([9, 1, 2, 3, 4, 5, 6, 7, 8, 0, 1, 2, 3], options), [4, 5, 6, 7]);
  // The latest occurrence wins over an older one.
  assert.deepEqual(draftFromContext([1, 2, 3, 7, 1, 2, 3, 8, 9, 1, 2, 3], options), [8, 9, 1, 2]);
});

test('prompt lookup: a longer n-gram is preferred; a shorter one is the fallback', () => {
  // The 3-gram 5 1 2 occurs once (followed by 6); the 2-gram 1 2 occurs later, followed by 7.
  assert.deepEqual(draftFromContext([5, 1, 2, 6, 0, 1, 2, 7, 5, 1, 2], options), [6, 0, 1, 2]);
  assert.deepEqual(draftFromContext([0, 1, 2, 7, 5, 1, 2], options), [7, 5, 1, 2]);
});

test('prompt lookup: nothing drafted without a match of at least minNgram tokens', () => {
  assert.deepEqual(draftFromContext([1, 2, 3, 4, 5, 3], options), []);
  assert.deepEqual(draftFromContext([], options), []);
  assert.deepEqual(draftFromContext([7], options), []);
});

test('prompt lookup: the draft stops at the end of the sequence', () => {
  // A repeating pattern: the match right before the end drafts only what follows it.
  assert.deepEqual(draftFromContext([1, 2, 1, 2], options), [1, 2]);
  assert.deepEqual(draftFromContext([4, 4, 4], { ...options, maxDraft: 8 }), [4]);
});
