import { test } from 'node:test';
import * as assert from 'node:assert/strict';
import { applyHunks, diffLines, splitLines } from '../../../../extension/refactor/lineDiff';

const lines = (...items: string[]) => items.map((item) => `${item}\n`);

test('splitLines keeps terminators, so joining gives the text back', () => {
  for (const text of ['', 'a', 'a\n', 'a\nb', 'a\r\nb\r\n', '\n\n']) {
    assert.equal(splitLines(text).join(''), text);
  }
  assert.deepEqual(splitLines('a\r\nb'), ['a\r\n', 'b']);
});

test('identical texts have no hunks', () => {
  assert.deepEqual(diffLines(lines('a', 'b'), lines('a', 'b')), []);
});

test('separate changes become separate hunks, anchored in the original', () => {
  const hunks = diffLines(lines('a', 'b', 'c', 'd', 'e'), lines('A', 'b', 'c', 'D1', 'D2', 'e'));
  assert.deepEqual(hunks, [
    { originalStart: 0, originalLines: ['a\n'], proposedLines: ['A\n'] },
    { originalStart: 3, originalLines: ['d\n'], proposedLines: ['D1\n', 'D2\n'] },
  ]);
});

test('pure insertions and deletions', () => {
  assert.deepEqual(diffLines(lines('a', 'b'), lines('/** doc */', 'a', 'b')), [
    { originalStart: 0, originalLines: [], proposedLines: ['/** doc */\n'] },
  ]);
  assert.deepEqual(diffLines(lines('a', 'b', 'c'), lines('a', 'c')), [{ originalStart: 1, originalLines: ['b\n'], proposedLines: [] }]);
});

test('a missing final newline is a change of the last line', () => {
  assert.deepEqual(diffLines(splitLines('a\nb'), splitLines('a\nb\n')), [{ originalStart: 1, originalLines: ['b'], proposedLines: ['b\n'] }]);
});

test('applying all hunks gives the rewrite, none gives the original, any subset is consistent', () => {
  const original = splitLines('one\ntwo\nthree\nfour\nfive\nsix');
  const rewrite = 'ONE\ntwo\nthree and a half\nfour\nsix\nseven\n';
  const hunks = diffLines(original, splitLines(rewrite));
  assert.equal(applyHunks(original, hunks, () => true), rewrite);
  assert.equal(applyHunks(original, hunks, () => false), original.join(''));
  assert.equal(applyHunks(original, hunks, (index) => index === 0), 'ONE\ntwo\nthree\nfour\nfive\nsix');
});

test('a randomised round trip: all hunks always rebuild the rewrite', () => {
  let seed = 7;
  const random = () => (seed = (seed * 1103515245 + 12345) % 2 ** 31) / 2 ** 31;
  const pick = () => Array.from({ length: Math.floor(random() * 12) }, () => `${'abc'[Math.floor(random() * 3)]}\n`);
  for (let round = 0; round < 300; round++) {
    const original = pick();
    const rewrite = pick();
    const hunks = diffLines(original, rewrite);
    assert.equal(applyHunks(original, hunks, () => true), rewrite.join(''));
    assert.equal(applyHunks(original, hunks, () => false), original.join(''));
  }
});
