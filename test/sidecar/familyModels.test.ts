/**
 * Models of every MoE family, converted from their Hugging Face layouts, in the sidecar the editor runs: each loads as
 * the local engine, shows the engine's own greedy text as an inline completion, and answers a chat.
 */
import assert from 'node:assert/strict';
import * as path from 'node:path';
import { after, before, describe, test } from 'node:test';
import { convertCheckpoint } from '../../server/model/convert';
import { chatRequest, defaultSettings, type RookSettings } from '../../server/protocol/contract';
import { hfFamilyCheckpoint } from '../engine/hfCheckpoints';
import { convertibleFamilies, greedyText } from '../support/familyModels';
import { tempDir } from '../support/tempDir';
import { invokeInlineCompletion, startSidecar, type Sidecar } from './sidecarProcess';

/** Every suggestion shown (random weights are rarely sure of anything), from the converted folder on one thread. */
const settingsFor = (modelPath: string): RookSettings => ({
  ...defaultSettings,
  engine: 'local',
  local: { modelPath, executionProvider: 'cpu', threads: 1 },
  completion: { ...defaultSettings.completion, minConfidence: 0, maxTokens: 16 },
});

describe('sidecar with each MoE family converted from its Hugging Face layout', () => {
  let sidecar: Sidecar;
  before(async () => {
    sidecar = await startSidecar();
  });
  after(() => sidecar.stop());

  for (const [label, shape] of convertibleFamilies) {
    test(`${label}: loads, completes inline with the engine's greedy text, and chats`, async () => {
      const fixture = hfFamilyCheckpoint(shape, 83);
      const out = path.join(tempDir('family-sidecar'), 'model');
      convertCheckpoint(fixture.checkpoint, out);
      // One line: no other line for context choice to offer as a copy, so what is shown comes from the model.
      const prefix = 'function add(a, b) {';
      const greedy = await greedyText(out, prefix, true);

      const status = await sidecar.configure(settingsFor(out));
      assert.equal(status.state, 'ready', status.message);
      assert.equal(status.engine?.kind, 'local');
      const result = await invokeInlineCompletion(sidecar, `file:///work/${label.replace(/\W/g, '')}.js`, `${prefix}\n`, { line: 0, character: prefix.length });
      assert.ok(result && 'items' in result, 'the request is answered with a list');
      const shown = result.items.map((item) => (typeof item.insertText === 'string' ? item.insertText : item.insertText.value));
      // The completion filters keep a part of the model's text: what is shown is in what the engine wrote.
      assert.ok(shown.length > 0 && shown[0].trim().length > 0, `nothing shown; the engine wrote ${JSON.stringify(greedy)}`);
      assert.ok(greedy.includes(shown[0].trim().split('\n')[0].trim()), `shown ${JSON.stringify(shown[0])}; the engine wrote ${JSON.stringify(greedy)}`);
      const chat = await sidecar.connection.sendRequest(chatRequest, { messages: [{ role: 'user', content: 'hi' }], maxTokens: 8 });
      assert.ok(['stop', 'length'].includes(chat.finishReason));
    });
  }
});
