import { describe, test } from 'node:test';
import * as assert from 'node:assert/strict';
import { drain, EngineError, type Engine, type StreamEvent } from '../../../../server/engines/engine';
import { FailoverEngine } from '../../../../server/engines/failover';

/** A scripted engine for routing logic only: it yields the given text or fails as told. */
function scripted(name: string, behaviour: 'ok' | 'fail-early' | 'fail-late' | 'fatal', calls: string[]): Engine {
  async function* run(): AsyncIterable<StreamEvent> {
    calls.push(name);
    if (behaviour === 'fail-early') throw new EngineError(`${name} down`, true);
    if (behaviour === 'fatal') throw new EngineError(`${name} rejects the request`, false);
    yield { kind: 'text', text: name };
    if (behaviour === 'fail-late') throw new EngineError(`${name} dropped`, true);
    yield { kind: 'end', finishReason: 'stop' };
  }
  return {
    info: { kind: 'openai', model: 'm', location: name },
    capabilities: async () => {
      if (behaviour === 'fail-early') throw new EngineError(`${name} down`, true);
      return { model: 'm', fim: false };
    },
    complete: () => run(),
    chat: () => run(),
    dispose: async () => undefined,
  };
}

const request = { messages: [], maxTokens: 1, temperature: 0 };

describe('FailoverEngine', () => {
  test('moves past a replica that fails before producing text, and prefers the good one next time', async () => {
    const calls: string[] = [];
    const engine = new FailoverEngine([scripted('a', 'fail-early', calls), scripted('b', 'ok', calls)]);
    assert.equal((await drain(engine.chat(request, new AbortController().signal))).text, 'b');
    assert.equal((await drain(engine.chat(request, new AbortController().signal))).text, 'b');
    assert.deepEqual(calls, ['a', 'b', 'b']);
    assert.equal(engine.info.location, 'b');
  });

  test('does not retry once text has streamed (that would duplicate output)', async () => {
    const calls: string[] = [];
    const engine = new FailoverEngine([scripted('a', 'fail-late', calls), scripted('b', 'ok', calls)]);
    await assert.rejects(drain(engine.chat(request, new AbortController().signal)), /a dropped/);
    assert.deepEqual(calls, ['a']);
  });

  test('does not retry a non-retryable error', async () => {
    const calls: string[] = [];
    const engine = new FailoverEngine([scripted('a', 'fatal', calls), scripted('b', 'ok', calls)]);
    await assert.rejects(drain(engine.chat(request, new AbortController().signal)), /rejects the request/);
    assert.deepEqual(calls, ['a']);
  });

  test('when every replica is down the error says so', async () => {
    const engine = new FailoverEngine([scripted('a', 'fail-early', []), scripted('b', 'fail-early', [])]);
    await assert.rejects(drain(engine.chat(request, new AbortController().signal)), /All 2 endpoints failed; the last said: b down/);
    await assert.rejects(engine.capabilities(), /All 2 endpoints failed/);
  });
});
