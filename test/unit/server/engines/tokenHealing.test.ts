import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { healingAllowed, healingCandidates, healingLimits, healingSplit, remainingAfter, restrictLogits } from '../../../../server/engines/local/tokenHealing';

/** A tokenized prefix as token texts (SentencePiece-style: a word-start space belongs to the word's first token). */
function split(prefix: string, pieces: string[]) {
  assert.equal(pieces.join(''), prefix, 'the pieces must spell the prefix');
  const tokens = pieces.map((_, id) => id);
  return healingSplit(prefix, tokens, (count) => pieces.slice(pieces.length - count).join(''));
}

describe('healingSplit', () => {
  test('drops the tokens that cover the partly typed word, its word-start space with them', () => {
    assert.deepEqual(split('export functio', ['export', ' func', 'tio']), { kept: 1, text: ' functio' });
    assert.deepEqual(split('x = isBoolea', ['x', ' =', ' is', 'Bo', 'olea']), { kept: 2, text: ' isBoolea' });
  });
  test('a word typed within one token, or no word at all, drops just the last token', () => {
    assert.deepEqual(split('  return accu', ['  ', 'return', ' accu']), { kept: 2, text: ' accu' });
    assert.deepEqual(split('x = ', ['x', ' =', ' ']), { kept: 2, text: ' ' });
    assert.deepEqual(split('f(', ['f', '(']), { kept: 1, text: '(' });
  });
  test('stops where the token texts no longer end the prompt (a normalizer changed them)', () => {
    const tokens = [0, 1, 2];
    assert.deepEqual(healingSplit('abc def', tokens, () => 'XYZ'), { kept: 3, text: '' });
    assert.deepEqual(healingSplit('longword', tokens, (count) => ['word', 'ngword', '__longword'][count - 1]), { kept: 1, text: 'ngword' });
  });
  test('leaves a word longer than its reach, or text outside printable ASCII, as typed', () => {
    const long = 'x'.repeat(healingLimits.maxChars * 2);
    const pieces = long.match(/x{8}/g)!;
    const healing = split(long, pieces);
    assert.ok(healing.text.length <= healingLimits.maxChars && healing.text.length > 0);
    assert.equal(healing.kept, pieces.length - healing.text.length / 8);
    assert.deepEqual(split('naïve = caf\u00e9', ['naïve', ' =', ' caf', '\u00e9']), { kept: 4, text: '' });
  });
  test('never reaches past the first token', () => {
    assert.deepEqual(split('ab', ['a', 'b']), { kept: 0, text: 'ab' });
    assert.deepEqual(healingSplit('', [], () => ''), { kept: 0, text: '' });
  });
});

describe('healingCandidates', () => {
  test('tokens that spell the rest exactly, those that start with it, and the next of the prompt\'s own; never empty or excluded ones', () => {
    const texts = ['a', ' fun', ' function', ' functio', ' functions', 'tio', ' f', '', undefined, ' g', ' func'];
    assert.deepEqual(healingCandidates(' functio', texts, 10), { ending: [3], continuing: [2, 4, 10] });
    assert.deepEqual(healingCandidates(' functio', texts), { ending: [3], continuing: [2, 4] }, 'no part where none is named');
    assert.deepEqual(healingCandidates(' functio', texts, 9), { ending: [3], continuing: [2, 4] }, 'a part that does not spell the rest is not one');
    assert.deepEqual(healingCandidates('tio', texts, 5), { ending: [5], continuing: [] });
  });
  test('a word with no token of its own is re-spelled in the tokenizer\'s pieces, not a character at a time', () => {
    const texts = [' ', 'm', 'y', '_', ' m', ' my', ' myth', '_value', ' my_'];
    // The prompt spelled ` my_` as ` my`, `_`: only ` my` (or a token going on past ` my_`) may come first.
    assert.deepEqual(healingCandidates(' my_', texts.slice(0, 8), 5), { ending: [], continuing: [5] });
    assert.deepEqual(healingCandidates(' my_', texts, 5), { ending: [8], continuing: [5] });
    assert.deepEqual(healingCandidates('_', texts, 3), { ending: [3], continuing: [7] });
  });
  test('greedy decoding picks among the group that holds more probability: the word going on, or ending here', () => {
    const candidates = { ending: [0], continuing: [1, 2, 3] };
    // 'pre' alone is the likeliest token, but 'pre…' tokens together are likelier: the word goes on.
    const spread = new Float32Array([Math.log(0.3), Math.log(0.25), Math.log(0.25), Math.log(0.2)]);
    assert.deepEqual(healingAllowed(spread, candidates, true), [1, 2, 3]);
    const ends = new Float32Array([Math.log(0.7), Math.log(0.1), Math.log(0.1), Math.log(0.1)]);
    assert.deepEqual(healingAllowed(ends, candidates, true), [0]);
    assert.deepEqual(healingAllowed(spread, candidates, false), [1, 2, 3, 0], 'sampling keeps both');
    assert.deepEqual(healingAllowed(spread, { ending: [0], continuing: [] }, true), [0]);
  });
  test('what is left to spell after a candidate', () => {
    assert.equal(remainingAfter(' functio', ' fun'), 'ctio');
    assert.equal(remainingAfter(' functio', ' functions'), '');
    assert.equal(remainingAfter('tio', 'tio'), '');
  });
});

test('restrictLogits keeps the allowed logits and leaves the input untouched', () => {
  const logits = new Float32Array([1, 5, 3, 2]);
  assert.deepEqual([...restrictLogits(logits, [0, 2])], [1, -Infinity, 3, -Infinity]);
  assert.deepEqual([...logits], [1, 5, 3, 2]);
});
