import assert from 'node:assert/strict';
import { test } from 'node:test';
import { confidenceCurve, lowestThresholdReaching } from '../../../../server/eval/confidenceCurve';

const suggestions = [
  { predicted: 'return a + b', expected: 'return a + b', confidence: 0.9 },
  { predicted: 'return a + c', expected: 'return a + b', confidence: 0.6 }, // kept: most of the line is right
  { predicted: 'zzzz', expected: 'return a + b', confidence: 0.4 },
  { predicted: 'qqqq', expected: 'return a + b', confidence: 0.1 },
  { predicted: '', expected: 'return a + b', confidence: 0.95 }, // nothing to show
];

test('confidence curve: coverage falls and precision rises as the threshold rises', () => {
  const [all, mid, high] = confidenceCurve(suggestions, [0, 0.5, 0.8]);
  assert.deepEqual(all, { threshold: 0, shown: 4 / 5, right: 2 / 4, exact: 1 / 4 });
  assert.deepEqual(mid, { threshold: 0.5, shown: 2 / 5, right: 1, exact: 1 / 2 });
  assert.deepEqual(high, { threshold: 0.8, shown: 1 / 5, right: 1, exact: 1 });
});

test('confidence curve: a suggestion without a confidence is always shown', () => {
  const [point] = confidenceCurve([{ predicted: 'x', expected: 'y', confidence: undefined }], [0.99]);
  assert.equal(point.shown, 1);
});

test('the default threshold is the lowest one whose shown suggestions are right at least half the time', () => {
  const curve = confidenceCurve(suggestions, [0, 0.3, 0.5, 0.8]);
  assert.equal(lowestThresholdReaching(curve, 0.5)?.threshold, 0);
  assert.equal(lowestThresholdReaching(curve, 0.75)?.threshold, 0.5);
  assert.equal(lowestThresholdReaching(confidenceCurve([{ predicted: 'a', expected: 'zzzz', confidence: 0.9 }], [0, 0.5]), 0.5), undefined);
});
