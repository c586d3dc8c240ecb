import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { describeStatus } from '../../../../extension/chat/statusLine';

const engine = { kind: 'local', model: 'grok-1-mini', location: '/models/grok' } as const;

describe('describeStatus', () => {
  it('names engine and model when ready or busy', () => {
    assert.equal(describeStatus({ state: 'ready', engine }), 'local · grok-1-mini');
    assert.equal(describeStatus({ state: 'busy', engine }), 'local · grok-1-mini');
  });

  it("shows the sidecar's own explanation when there is no engine", () => {
    const message = 'No engine: set rook.openai.endpoints or install a local model.';
    assert.equal(describeStatus({ state: 'no-engine', message }), message);
    assert.equal(describeStatus({ state: 'no-engine' }), 'No engine configured.');
  });

  it('keeps the engine in view when it has failed', () => {
    assert.equal(describeStatus({ state: 'error', engine, message: 'Model crashed.' }), 'local · grok-1-mini — Model crashed.');
  });

  it('says when the sidecar is starting', () => {
    assert.equal(describeStatus({ state: 'starting' }), 'Starting…');
  });
});
