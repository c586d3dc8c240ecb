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
