import { test } from 'node:test';
import * as assert from 'node:assert/strict';
import { nextRestartDelay, type BackoffPolicy } from '../../../../extension/sidecar/backoff';

const policy: BackoffPolicy = { initialMs: 500, maxMs: 4000, maxCrashes: 4, windowMs: 60_000 };

test('restart delays double per recent crash and are capped', () => {
  const now = 1_000_000;
  const delays = [1, 2, 3, 4].map((n) => nextRestartDelay(Array.from({ length: n }, () => now), now, policy));
  assert.deepEqual(delays, [500, 1000, 2000, 4000]);
});

test('gives up after too many crashes in the window', () => {
  const now = 1_000_000;
  assert.equal(nextRestartDelay(Array.from({ length: 5 }, () => now), now, policy), undefined);
});

test('old crashes outside the window are forgiven', () => {
  const now = 1_000_000;
  const old = Array.from({ length: 10 }, () => now - 120_000);
  assert.equal(nextRestartDelay([...old, now], now, policy), 500);
});
