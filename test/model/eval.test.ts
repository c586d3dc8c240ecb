import assert from 'node:assert/strict';
import { test } from 'node:test';
import { seededRandom } from '../../server/engines/local/sampler';
import { baselinePrediction } from '../../server/eval/baseline';
import { infillCase, lineCase, sampleCases, type SourceFile } from '../../server/eval/cases';
import { editSimilarity, exactMatch } from '../../server/eval/metrics';

const python: SourceFile = {
  package: 'demo',
  path: 'demo.py',
  lang: 'py',
  text: 'import os\n\n\ndef total(items):\n    result = 0\n    for item in items:\n        result += item.value\n    return result\n\n\ndef names(items):\n    return [item.name for item in items]\n',
};

test('eval cases: removing the expected text and putting it back gives the file', () => {
  let made = 0;
  for (let seed = 0; seed < 20; seed++) {
    const random = seededRandom(seed);
    // An infill case can be impossible (no indented block as long as the drawn line count): then it is undefined.
    for (const evalCase of [lineCase(python, random, 'l'), infillCase(python, random, 'i')]) {
      if (!evalCase) continue;
      made++;
      const restored = evalCase.document.slice(0, evalCase.offset) + evalCase.expected + evalCase.document.slice(evalCase.offset);
      assert.equal(restored, python.text);
      assert.ok(evalCase.expected.trim().length >= 2);
    }
  }
  assert.ok(made >= 30, `only ${made} cases`);
});

test('eval cases: the same seed draws the same cases', () => {
  const files = [python, { ...python, lang: 'js' as const }, { ...python, lang: 'ts' as const }];
  const a = sampleCases(files, 3, seededRandom(7));
  assert.equal(a.length, 18);
  assert.deepEqual(sampleCases(files, 3, seededRandom(7)), a);
});

test('eval metrics: exact match ignores trailing whitespace; edit similarity is 1 - distance / length', () => {
  assert.ok(exactMatch('a + b  \n\n', 'a + b'));
  assert.ok(!exactMatch('a + c', 'a + b'));
  assert.equal(editSimilarity('abcd', 'abcf'), 0.75);
  assert.equal(editSimilarity('', ''), 1);
  assert.equal(editSimilarity('', 'abc'), 0);
});

test('eval baseline: copies the rest of the nearest earlier line that starts the same way', () => {
  const document = '    result = 0\n    result += 1\n    res';
  assert.equal(baselinePrediction({ id: 'x', task: 'line', lang: 'py', document, offset: document.length, expected: '' }), 'ult += 1');
  assert.equal(baselinePrediction({ id: 'y', task: 'infill', lang: 'py', document: 'a\n  b\n\n', offset: 6, expected: '' }), '  b');
});
