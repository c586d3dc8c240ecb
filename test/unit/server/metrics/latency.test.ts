import { describe, test } from 'node:test';
import * as assert from 'node:assert/strict';
import { percentile, LatencyWindow } from '../../../../server/metrics/latency';

describe('latency', () => {
  test('nearest-rank percentiles', () => {
    const values = [50, 10, 40, 20, 30];
    assert.equal(percentile(values, 50), 30);
    assert.equal(percentile(values, 90), 50);
    assert.equal(percentile([], 50), 0);
  });
  test('the window keeps only the last samples', () => {
    const window = new LatencyWindow(3);
    for (const ms of [1000, 1000, 1000, 10, 20, 30]) window.add(ms);
    assert.deepEqual(window.summary(), { count: 3, p50Ms: 20, p90Ms: 30 });
  });
});
