/** A candidate's row from its answers, and the row as the markdown table shows it. */
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { comparisonMarkdown, markdownCell } from '../../../../server/eval/compareReport';
import { percentile, scoreCandidate, type CaseAnswer } from '../../../../server/eval/compareScores';
import type { Comparison } from '../../../../server/protocol/contract';

const answer = (overrides: Partial<CaseAnswer>): CaseAnswer => ({
  predicted: 'return a + b;',
  expected: 'return a + b;',
  latencyMs: 100,
  laterTokens: 0,
  streamMs: 0,
  tokensEstimated: false,
  ...overrides,
});

test('percentiles are nearest-rank', () => {
  const values = Array.from({ length: 20 }, (_, i) => 20 - i); // 20..1, unsorted on purpose
  assert.equal(percentile(values, 50), 10);
  assert.equal(percentile(values, 95), 19);
  assert.equal(percentile([7], 95), 7);
  assert.equal(percentile([], 50), 0);
});

test('a row: exact match, edit similarity, latency, tokens per second after the first piece, and the share shown', () => {
  const row = scoreCandidate(
    'local · tiny',
    '/models/tiny',
    [
      answer({ confidence: 0.9, latencyMs: 100, laterTokens: 10, streamMs: 100 }),
      answer({ predicted: 'return a + c;', confidence: 0.2, latencyMs: 300, laterTokens: 30, streamMs: 400 }),
      answer({ predicted: '', confidence: 0.99, latencyMs: 200 }),
      answer({ predicted: 'x', latencyMs: 400 }), // no confidence reported: shown
    ],
    0.5,
  );
  assert.equal(row.cases, 4);
  assert.equal(row.exactMatch, 1 / 4);
  assert.ok(Math.abs(row.editSimilarity - (1 + 12 / 13 + 0 + 0) / 4) < 1e-9);
  assert.equal(row.latencyP50Ms, 200);
  assert.equal(row.latencyP95Ms, 400);
  assert.equal(row.tokensPerSecond, 80); // 40 tokens over 0.5 s
  assert.equal(row.shown, 2 / 4);
  assert.equal(row.tokensEstimated, undefined);
  assert.equal(row.error, undefined);
});

test('answers that came in one piece give no tokens per second; estimated tokens are marked', () => {
  assert.equal(scoreCandidate('a', '', [answer({})], 0.5).tokensPerSecond, undefined);
  const estimated = scoreCandidate('a', '', [answer({ laterTokens: 5, streamMs: 50, tokensEstimated: true })], 0.5);
  assert.equal(estimated.tokensPerSecond, 100);
  assert.equal(estimated.tokensEstimated, true);
});

test('the markdown table escapes what a server names, so no cell breaks the table or becomes markup', () => {
  assert.equal(markdownCell('evil|model\n<img src=x onerror=alert(1)>'), 'evil\\|model \\<img src=x onerror=alert(1)\\>');
  const comparison: Comparison = {
    root: '/home/me/project',
    files: 3,
    seed: 1,
    lineCases: 1,
    infillCases: 1,
    minConfidence: 0.5,
    candidates: [
      scoreCandidate('openai · a|b', 'http://127.0.0.1:8000/v1', [answer({ laterTokens: 4, streamMs: 20, tokensEstimated: true }), answer({ predicted: 'no' })], 0.5),
      scoreCandidate('local · gone', '/nowhere', [], 0.5, 'Model folder /nowhere does not exist.'),
    ],
  };
  const table = comparisonMarkdown(comparison);
  const lines = table.split('\n');
  assert.equal(lines[0], '| candidate | where | cases | exact % | edit sim % | p50 ms | p95 ms | tokens/s | shown % |');
  assert.equal(lines[2], '| openai · a\\|b | http://127.0.0.1:8000/v1 | 2 | 50.0 | 53.8 | 100 | 100 | ~200.0 | 100.0 |');
  assert.equal(lines[3], '| local · gone | /nowhere | 0 | 0.0 | 0.0 | 0 | 0 | n/a | 0.0 |');
  assert.match(table, /- local · gone stopped: Model folder \/nowhere does not exist\./);
});
