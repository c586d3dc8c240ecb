import { describe, test, before, after } from 'node:test';
import * as assert from 'node:assert/strict';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { chatRequest, defaultSettings, statusRequest, type RookSettings, type SidecarStatus } from '../../server/protocol/contract';
import { tinyModelFolder } from '../engine/fixtures';
import { invokeInlineCompletion, startSidecar, type Sidecar } from './sidecarProcess';

const localSettings = (modelPath: string): RookSettings => ({
  ...defaultSettings,
  engine: 'local',
  local: { modelPath, executionProvider: 'cpu', threads: 1 },
});

describe('sidecar with the local ONNX engine', () => {
  let sidecar: Sidecar;
  let modelDir: string;

  before(async () => {
    modelDir = tinyModelFolder({}, 7).dir;
    sidecar = await startSidecar();
  });
  after(() => sidecar.stop());

  test('a converted model folder serves inline completions and chat', async () => {
    const status = await sidecar.configure(localSettings(modelDir));
    assert.equal(status.state, 'ready', status.message);
    assert.equal(status.engine?.kind, 'local');
    const result = await invokeInlineCompletion(sidecar, 'file:///work/local.js', 'function add(a, b) {\n  return a', { line: 1, character: 10 });
    assert.ok(result && 'items' in result, 'the request is answered with a list');
    const chat = await sidecar.connection.sendRequest(chatRequest, { messages: [{ role: 'user', content: 'hi' }], maxTokens: 8 });
    assert.ok(['stop', 'length'].includes(chat.finishReason));
  });

  test('a damaged model folder is an error that names the file, and the sidecar keeps serving', async () => {
    const broken = tinyModelFolder({}, 8).dir;
    const onnx = path.join(broken, 'model.onnx');
    fs.writeFileSync(onnx, fs.readFileSync(onnx).subarray(0, 1000));
    const status = await sidecar.configure(localSettings(broken));
    assert.equal(status.state, 'error');
    assert.ok(status.message?.includes(broken), status.message);
    assert.match(status.message ?? '', /Restore the model folder/);
    assert.equal((await sidecar.configure(localSettings(modelDir))).state, 'ready');
  });

  test('on the embedded model, a line copied from the file is shown where the model rates it above its own, and counted', async () => {
    const embedded = path.resolve(__dirname, '..', '..', '..', 'models', 'rook-moe-mini');
    const settings = localSettings(embedded);
    const status = await sidecar.configure({ ...settings, completion: { ...settings.completion, minConfidence: 0 } });
    assert.equal(status.state, 'ready', status.message);
    const before = (await sidecar.connection.sendRequest(statusRequest)).completionStats!;
    const text = 'function readConfig(path, strict) {\n  debug(`Reading config file: ${path}`);\n}\n\nfunction writeConfig(path, data) {\n  debug(`Writing config file: ${pa\n}\n';
    const result = await invokeInlineCompletion(sidecar, 'file:///work/config.js', text, { line: 5, character: '  debug(`Writing config file: ${pa'.length });
    assert.ok(result && 'items' in result);
    assert.equal(result.items[0]?.insertText, 'th}`);');
    const after = (await sidecar.connection.sendRequest(statusRequest)).completionStats!;
    assert.equal(after.fromContext - before.fromContext, 1);
  });

  test('a model folder that does not exist says which setting to fix', async () => {
    const status = await sidecar.configure(localSettings('/nonexistent/rook-model'));
    assert.equal(status.state, 'no-engine');
    assert.match(status.message ?? '', /\/nonexistent\/rook-model does not exist\. Fix rook\.local\.modelPath/);
  });
});

describe('sidecar defaults', () => {
  test('with nothing configured, the embedded model serves', { timeout: 60_000 }, async () => {
    const sidecar = await startSidecar({ settingsFollow: false });
    try {
      let ready: SidecarStatus = await sidecar.connection.sendRequest(statusRequest);
      while (ready.state === 'starting') {
        await new Promise((resolve) => setTimeout(resolve, 50));
        ready = await sidecar.connection.sendRequest(statusRequest);
      }
      assert.equal(ready.state, 'ready', ready.message);
      assert.equal(ready.engine?.kind, 'local');
      assert.match(ready.engine?.location ?? '', /models[\\/]rook-moe-mini$/);
    } finally {
      await sidecar.stop();
    }
  });
});
