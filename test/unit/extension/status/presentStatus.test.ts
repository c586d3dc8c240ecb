import { test } from 'node:test';
import * as assert from 'node:assert/strict';
import { presentStatus } from '../../../../extension/status/presentStatus';

const engine = { kind: 'openai' as const, model: 'qwen-coder', location: 'http://127.0.0.1:8000/v1' };

test('ready shows the engine and measured latency', () => {
  const shown = presentStatus({ state: 'ready', engine, completionLatency: { count: 12, p50Ms: 84, p90Ms: 190 } });
  assert.equal(shown.text, '$(sparkle) Rook · p50 84 ms / p90 190 ms');
  assert.match(shown.tooltip, /qwen-coder @ http:\/\/127\.0\.0\.1:8000\/v1/);
  assert.equal(shown.warning, false);
});

test('ready with no completions yet shows no latency', () => {
  assert.equal(presentStatus({ state: 'ready', engine, completionLatency: { count: 0, p50Ms: 0, p90Ms: 0 } }).text, '$(sparkle) Rook');
});

test('errors warn and carry the actionable message', () => {
  const shown = presentStatus({ state: 'error', message: 'Cannot reach http://x/v1 (ECONNREFUSED). Is the server running?' });
  assert.equal(shown.warning, true);
  assert.match(shown.tooltip, /Is the server running\?/);
});

test('no engine warns', () => assert.equal(presentStatus({ state: 'no-engine', message: 'set it' }).warning, true));

const index = { state: 'ready' as const, files: 1234, chunks: 56789, skipped: {} };

test('while the workspace index is built, the item says so with the files indexed so far', () => {
  const shown = presentStatus({ state: 'ready', engine, index: { ...index, state: 'indexing' } });
  assert.equal(shown.text, '$(sync~spin) Rook: indexing 1,234 files');
  assert.match(shown.tooltip, /^Rook is ready: qwen-coder/);
  assert.match(shown.tooltip, /\nWorkspace index: indexing, 1,234 files, 56,789 chunks so far$/);
  assert.equal(presentStatus({ state: 'busy', engine, index: { ...index, state: 'indexing', files: 0, chunks: 0 } }).text, '$(sync~spin) Rook: indexing 0 files');
});

test('once the index is ready, the item is as before and the tooltip gives files, chunks and what was skipped', () => {
  const shown = presentStatus({ state: 'ready', engine, index: { ...index, skipped: { huge: 3, binary: 1, minified: 0, limit: 1200 } } });
  assert.equal(shown.text, '$(sparkle) Rook');
  assert.equal(shown.tooltip.split('\n')[1], "Workspace index: 1,234 files, 56,789 chunks; skipped 3 over 256 KB, 1 binary, 1,200 past the index's caps");
  assert.equal(presentStatus({ state: 'ready', engine, index: { state: 'ready', files: 1, chunks: 1, skipped: {} } }).tooltip.split('\n')[1], 'Workspace index: 1 file, 1 chunk');
});

test('an index switched off is said to be, and problems with the engine still show first', () => {
  assert.equal(presentStatus({ state: 'ready', engine, index: { state: 'off', files: 0, chunks: 0, skipped: {} } }).tooltip.split('\n')[1], 'Workspace index: off (rook.index.enabled)');
  const failing = presentStatus({ state: 'error', message: 'Cannot reach the server.', index: { ...index, state: 'indexing' } });
  assert.equal(failing.text, '$(warning) Rook');
  assert.equal(failing.warning, true);
  assert.equal(failing.tooltip, 'Cannot reach the server.\nWorkspace index: indexing, 1,234 files, 56,789 chunks so far');
});

test('a sidecar without an index (another client, or none yet) shows no index line', () => {
  assert.equal(presentStatus({ state: 'ready', engine }).tooltip.includes('Workspace index'), false);
});
