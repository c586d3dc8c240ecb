import assert from 'node:assert/strict';
import { test } from 'node:test';
import { withPrior } from '../../../../server/completion/contextChoice';

const sum = (values: number[]) => values.reduce((a, b) => a + b, 0);

test('withPrior adds the prior weight to the tokens from the first on, none above certainty', () => {
  assert.deepEqual(withPrior([-4, -6], 3), [-1, -6]);
  assert.deepEqual(withPrior([-4, -0.5, -6], 10), [0, 0, -0.5]);
  assert.deepEqual(withPrior([-3, -2], 0), [-3, -2]);
  assert.deepEqual(withPrior([], 10), []);
  // The line's probability is multiplied by e^prior, up to certainty.
  const line = [-8, -0.5, -0.1, -0.1, -0.1];
  assert.ok(Math.abs(sum(withPrior(line, 5)) - (sum(line) + 5)) < 1e-12);
  assert.deepEqual(withPrior(line, 20), [0, 0, 0, 0, 0]);
});
