import { describe, test } from 'node:test';
import * as assert from 'node:assert/strict';
import { drain, EngineError, type CompletionRequest, type Engine, type StreamEvent } from '../../server/engines/engine';
import { FailoverEngine } from '../../server/engines/failover';

const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

interface ScriptedReplica extends Engine {
  delayMs: number;
  down: boolean;
  healthChecks: number;
  health(signal: AbortSignal): Promise<void>;
}

/** A replica for routing logic only: answers its name after `delayMs`, or fails while `down`. */
function replica(name: string, delayMs: number, calls: string[]): ScriptedReplica {
  const self: ScriptedReplica = {
    delayMs,
    down: false,
    healthChecks: 0,
    info: { kind: 'openai', model: 'm', location: name },
    capabilities: async () => ({ model: 'm', fim: false }),
    complete: () => run(),
    chat: () => run(),
    health: async () => {
      self.healthChecks++;
      if (self.down) throw new EngineError(`${name} down`, true);
    },
    dispose: async () => undefined,
  };
  async function* run(): AsyncIterable<StreamEvent> {
    calls.push(name);
    await sleep(self.delayMs);
    if (self.down) throw new EngineError(`${name} down`, true);
    yield { kind: 'text', text: name };
    yield { kind: 'end', finishReason: 'stop' };
  }
  return self;
}

const complete = (engine: Engine, prompt: string) => {
  const request: CompletionRequest = { prompt, maxTokens: 1, temperature: 0 };
  return drain(engine.complete(request, new AbortController().signal));
};

describe('FailoverEngine routing', () => {
  test('balances by measured latency: once measured, new documents go to the faster replica', async () => {
    const calls: string[] = [];
    const engine = new FailoverEngine([replica('slow', 40, calls), replica('fast', 2, calls)]);
    for (const prompt of ['doc 1\n', 'doc 2\n', 'doc 3\n', 'doc 4\n']) await complete(engine, prompt);
    // Each unmeasured replica is tried once, then the faster one takes the new documents.
    assert.deepEqual(calls, ['slow', 'fast', 'fast', 'fast']);
    await engine.dispose();
  });

  test('requests for the same document stay on their replica while it is healthy, and move when it fails', async () => {
    const calls: string[] = [];
    const slow = replica('slow', 30, calls);
    const engine = new FailoverEngine([slow, replica('fast', 2, calls)]);
    await complete(engine, 'document A\nconst a');
    await complete(engine, 'document B\nconst b');
    assert.deepEqual(calls, ['slow', 'fast']);
    // Same document head: back to the replica holding its prefix cache, though the other is faster.
    assert.equal((await complete(engine, 'document A\nconst a = 1;\nconst')).text, 'slow');
    assert.equal((await complete(engine, 'document C\nconst c')).text, 'fast');
    slow.down = true;
    assert.equal((await complete(engine, 'document A\nconst a = 1;\nconst b')).text, 'fast');
    assert.deepEqual(calls, ['slow', 'fast', 'slow', 'fast', 'slow', 'fast']);
    await engine.dispose();
  });

  test('a failed replica is health-checked after its cooldown; a failing check keeps it out of rotation', async () => {
    const calls: string[] = [];
    const first = replica('first', 1, calls);
    const engine = new FailoverEngine([first, replica('second', 1, calls)]);
    first.down = true;
    assert.equal((await complete(engine, 'x')).text, 'second');
    await sleep(1200);
    assert.equal(first.healthChecks, 1, 'checked once the 1 s cooldown ended');
    // The original cooldown is over, but the failed check extended it: requests skip the dead replica.
    assert.equal((await complete(engine, 'y')).text, 'second');
    assert.deepEqual(calls, ['first', 'second', 'second']);
    await engine.dispose();
  });
});
