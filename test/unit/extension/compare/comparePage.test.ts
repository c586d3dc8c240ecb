/** The comparison webview's page: no script can run in it, and what servers name shows as text. */
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { escapeHtml, renderComparePage } from '../../../../extension/compare/comparePage';
import type { CandidateScores, Comparison } from '../../../../server/protocol/contract';

const row = (name: string, overrides: Partial<CandidateScores> = {}): CandidateScores => ({
  name,
  location: 'http://127.0.0.1:8000/v1',
  cases: 10,
  exactMatch: 0.1,
  editSimilarity: 0.456,
  latencyP50Ms: 120.4,
  latencyP95Ms: 300.6,
  tokensPerSecond: 55.55,
  shown: 0.3,
  ...overrides,
});

const comparison = (candidates: CandidateScores[], extra: Partial<Comparison> = {}): Comparison => ({
  root: '/work/project',
  files: 12,
  seed: 1,
  lineCases: 5,
  infillCases: 5,
  minConfidence: 0.5,
  candidates,
  ...extra,
});

test('one row per candidate, its numbers formatted as the CLI table formats them', () => {
  const html = renderComparePage(comparison([row('local · rook-moe-mini', { location: '/ext/models/rook-moe-mini' }), row('openai · test-model', { tokensPerSecond: undefined })]), 'project', 'n0nce');
  const rows = [...html.matchAll(/<tr class="candidate-row">(.*?)<\/tr>/g)].map((match) => [...match[1].matchAll(/<td[^>]*>(.*?)<\/td>/g)].map((cell) => cell[1]));
  assert.deepEqual(rows, [
    ['local · rook-moe-mini', '/ext/models/rook-moe-mini', '10', '10.0', '45.6', '120', '301', '55.5', '30.0'],
    ['openai · test-model', 'http://127.0.0.1:8000/v1', '10', '10.0', '45.6', '120', '301', 'n/a', '30.0'],
  ]);
  assert.match(html, /<h1>Models compared on project<\/h1>/);
});

test('the CSP allows no script and nothing remote; the only style carries the nonce', () => {
  const html = renderComparePage(comparison([row('a')]), 'project', 'n0nce');
  const csp = /http-equiv="Content-Security-Policy" content="([^"]*)"/.exec(html)?.[1];
  assert.equal(csp, "default-src 'none'; style-src 'nonce-n0nce'");
  assert.doesNotMatch(html, /<script/i);
  assert.match(html, /<style nonce="n0nce">/);
});

test("a server's model name, an error and the folder name are text, never markup", () => {
  const hostile = '<img src=x onerror="alert(1)"><script>alert(2)</script>';
  const html = renderComparePage(comparison([row(hostile), row('b', { error: `failed: ${hostile}` })], { cancelled: true }), `<b>${hostile}`, 'n0nce');
  assert.doesNotMatch(html, /<img|<script|<b>/);
  assert.ok(html.includes(escapeHtml(hostile)));
  assert.match(html, /<li class="error">b stopped: failed: &lt;img/);
  assert.match(html, /id="cancelled"/);
  assert.equal(escapeHtml(`&<>"'`), '&amp;&lt;&gt;&quot;&#39;');
});
