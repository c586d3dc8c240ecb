import { describe, test, before, after } from 'node:test';
import * as assert from 'node:assert/strict';
import { defaultSettings, type RookSettings } from '../../server/protocol/contract';
import { drain, EngineError, type Engine } from '../../server/engines/engine';
import { selectEngine } from '../../server/engines/select';
import { serveModelFolder, startServe, type ServeProcess } from './serveProcess';

const signal = () => new AbortController().signal;

describe('two rook serve replicas behind selectEngine', () => {
  let first: ServeProcess;
  let second: ServeProcess;
  let engine: Engine;

  before(async () => {
    const model = serveModelFolder(21);
    [first, second] = await Promise.all([startServe(['--model', model]), startServe(['--model', model])]);
    const settings: RookSettings = {
      ...defaultSettings,
      engine: 'openai',
      openai: { ...defaultSettings.openai, endpoints: [first.baseUrl, second.baseUrl], requestTimeoutMs: 5000 },
    };
    const selection = await selectEngine(settings);
    assert.ok(selection.engine, 'problem' in selection ? selection.problem : '');
    engine = selection.engine;
  });
  after(async () => {
    await engine?.dispose();
    await Promise.all([first?.stop(), second?.stop()]);
  });

  test('a replica killed mid-stream fails that request; the next one, for the same document, goes to the survivor', async () => {
    const prompt = 'function total(items) {\n  return items.';
    await drain(engine.complete({ prompt, maxTokens: 2, temperature: 0 }, signal()));
    assert.equal(engine.info.location, first.baseUrl, 'the first replica served the document');

    let killed = false;
    const longRequest = drain(engine.complete({ prompt, maxTokens: 1024, temperature: 0 }, signal()), () => {
      if (!killed) {
        killed = true;
        first.process.kill('SIGKILL');
      }
    });
    await assert.rejects(longRequest, (error: unknown) => {
      assert.ok(error instanceof EngineError, String(error));
      assert.match(error.message, /mid-stream|closed the stream/);
      return true;
    });
    assert.ok(killed, 'the stream had started when the replica died');

    const next = await drain(engine.complete({ prompt, maxTokens: 3, temperature: 0 }, signal()));
    assert.equal(next.finishReason, 'length');
    assert.equal(engine.info.location, second.baseUrl);
    const chat = await drain(engine.chat({ messages: [{ role: 'user', content: 'still there?' }], maxTokens: 2, temperature: 0 }, signal()));
    assert.equal(chat.finishReason, 'length');
    assert.equal(engine.info.location, second.baseUrl);
  });
});
