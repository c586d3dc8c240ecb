import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { firstLineConfidence } from '../../../../server/completion/confidence';

const close = (actual: number, expected: number) => assert.ok(Math.abs(actual - expected) < 1e-9, `${actual} vs ${expected}`);

describe('firstLineConfidence', () => {
  test('scores the tokens of the first line only: later lines neither dilute nor lower it', () => {
    const confidence = firstLineConfidence([
      { text: 'return', logprobs: [Math.log(0.9)] },
      { text: ' a + b', logprobs: [Math.log(0.8), Math.log(0.5)] },
      { text: '\n', logprobs: [Math.log(0.1)] },
      { text: 'garbage', logprobs: [Math.log(0.001)] },
    ]);
    assert.ok(confidence);
    assert.equal(confidence.tokens, 3);
    close(confidence.mean, Math.cbrt(0.9 * 0.8 * 0.5));
    close(confidence.min, 0.5);
  });

  test('a leading line break belongs to the first non-blank line', () => {
    const confidence = firstLineConfidence([
      { text: '\n    ', logprobs: [Math.log(0.5)] },
      { text: 'x = 1', logprobs: [Math.log(0.5)] },
      { text: '\ny', logprobs: [Math.log(0.01)] },
    ]);
    assert.equal(confidence?.tokens, 2);
    close(confidence!.mean, 0.5);
  });

  test('the token that ends the line is the last scored', () => {
    const confidence = firstLineConfidence([
      { text: 'foo()\n', logprobs: [Math.log(0.25)] },
      { text: 'bar', logprobs: [Math.log(0.01)] },
    ]);
    assert.equal(confidence?.tokens, 1);
  });

  test('unknown when the engine reports no log-probabilities, or nothing but whitespace came', () => {
    assert.equal(firstLineConfidence([{ text: 'x', logprobs: [] }]), undefined);
    assert.equal(firstLineConfidence([{ text: '  \n', logprobs: [0] }]), undefined);
    assert.equal(firstLineConfidence([]), undefined);
  });
});
