/**
 * The real sidecar with a GGUF file as `rook.local.modelPath`: converted once into the model cache the client named
 * (`initializationOptions.modelCachePath`), with `rook/modelConversion` progress, then serving completions; loaded from
 * the cache the next time; a corrupt file is an error naming it while the sidecar keeps serving; a cancel leaves
 * nothing behind and says how to retry.
 */
import assert from 'node:assert/strict';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { after, before, describe, test } from 'node:test';
import { cancelModelConversionNotification, defaultSettings, modelConversionNotification, type ModelConversionParams, type RookSettings } from '../../server/protocol/contract';
import { modelFiles } from '../../server/model/modelFiles';
import { embeddedModelFolder, tinyModelFolder } from '../engine/fixtures';
import { tempDir } from '../support/tempDir';
import { invokeInlineCompletion, startSidecar, type Sidecar } from './sidecarProcess';

const localSettings = (modelPath: string): RookSettings => ({ ...defaultSettings, engine: 'local', local: { modelPath, executionProvider: 'cpu', threads: 1 } });

describe('sidecar with a GGUF file as the model', () => {
  let sidecar: Sidecar;
  let cacheDir: string;
  const notes: ModelConversionParams[] = [];
  /** Set by the cancel test: the client answers a conversion's begin with a cancel, as the notification's Cancel button does. */
  let cancelOnBegin = false;

  before(async () => {
    cacheDir = path.join(tempDir('sidecar-cache'), 'models');
    sidecar = await startSidecar({ modelCachePath: cacheDir });
    sidecar.connection.onNotification(modelConversionNotification, (params) => {
      notes.push(params);
      if (cancelOnBegin && params.kind === 'begin') void sidecar.connection.sendNotification(cancelModelConversionNotification, { id: params.id });
    });
  });
  after(() => sidecar.stop());

  test('converts it once with progress, serves completions from it, and loads the cache the next time', async () => {
    const gguf = path.join(tempDir('sidecar-gguf'), 'tiny-coder.gguf');
    fs.copyFileSync(path.join(tinyModelFolder({}, 41, { gguf: true }).dir, modelFiles.gguf), gguf);
    const started = Date.now();
    const status = await sidecar.configure(localSettings(gguf));
    const convertMs = Date.now() - started;
    assert.equal(status.state, 'ready', status.message);
    assert.equal(status.engine?.kind, 'local');
    assert.ok(status.engine?.location.startsWith(cacheDir), status.engine?.location);
    // The weights sit beside the graph, where ONNX Runtime maps them instead of copying them.
    assert.ok(fs.statSync(path.join(status.engine!.location, 'model.onnx.data')).size > fs.statSync(path.join(status.engine!.location, 'model.onnx')).size);
    const kinds = notes.map((note) => note.kind);
    assert.equal(kinds[0], 'begin');
    assert.deepEqual(notes.at(-1), { id: notes[0].id, file: gguf, kind: 'end', outcome: 'converted', percentage: 100 });
    const percentages = notes.filter((note) => note.kind === 'report').map((note) => note.percentage!);
    assert.ok(percentages.length > 1 && percentages.every((p, i) => i === 0 || p > percentages[i - 1]), `rising percentages: ${percentages}`);

    const result = await invokeInlineCompletion(sidecar, 'file:///work/gguf.js', 'function add(a, b) {\n  return a', { line: 1, character: 10 });
    assert.ok(result && 'items' in result, 'the request is answered with a list');

    notes.length = 0;
    const again = Date.now();
    assert.equal((await sidecar.configure(localSettings(gguf))).state, 'ready');
    assert.deepEqual(notes, [], 'no conversion the second time');
    console.log(`tiny GGUF: first configure (convert + load) ${convertMs} ms, second (cache) ${Date.now() - again} ms`);
  });

  test('a corrupt GGUF is an error that names the file and what to do; the sidecar keeps serving', async () => {
    const gguf = path.join(tempDir('sidecar-gguf'), 'broken.gguf');
    const bytes = fs.readFileSync(path.join(tinyModelFolder({}, 42, { gguf: true }).dir, modelFiles.gguf));
    fs.writeFileSync(gguf, bytes.subarray(0, Math.floor(bytes.length * 0.6)));
    const status = await sidecar.configure(localSettings(gguf));
    assert.equal(status.state, 'error');
    assert.ok(status.message?.includes(gguf), status.message);
    assert.match(status.message ?? '', /truncated file.*download the file again if it is damaged/);
    assert.equal((await sidecar.configure(localSettings(tinyModelFolder({}, 7).dir))).state, 'ready');
  });

  test('cancelling the conversion leaves no cache entry and no partial folder, and the status says how to retry', async () => {
    const gguf = path.join(embeddedModelFolder({ quant: 'int8' }).dir, modelFiles.gguf);
    const before = fs.readdirSync(cacheDir);
    notes.length = 0;
    cancelOnBegin = true;
    const status = await sidecar.configure(localSettings(gguf));
    assert.equal(status.state, 'no-engine');
    assert.match(status.message ?? '', /was cancelled; nothing of it was kept.*Rook: Restart Sidecar/);
    assert.equal(notes.at(-1)?.outcome, 'cancelled');
    assert.deepEqual(fs.readdirSync(cacheDir), before, 'nothing added to the cache');
  });
});
