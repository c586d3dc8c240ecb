/**
 * A GGUF file used directly as a model: converted once (in a child process, `rook convert --quant match`) into a
 * cache entry keyed by the file's identity, found again without converting, converted again when the file changes,
 * and nothing left behind by a cancelled or failed conversion.
 */
import assert from 'node:assert/strict';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { test } from 'node:test';
import { selectEngine } from '../../server/engines/select';
import { cachedGgufModel, cacheMarkerFile, defaultModelCacheDir, ggufIdentity, type GgufConverter } from '../../server/model/ggufCache';
import { childProcessConverter, GgufConversionError } from '../../server/model/ggufConvertProcess';
import { nearestQuant } from '../../server/model/gguf/nearestQuant';
import { readGgufHeader } from '../../server/model/gguf/read';
import { serializeGguf } from '../../server/model/gguf/write';
import { modelFiles } from '../../server/model/modelFiles';
import { defaultSettings } from '../../server/protocol/contract';
import { embeddedModelFolder, tinyModelFolder } from './fixtures';
import { tempDir } from '../support/tempDir';

const convert = childProcessConverter(path.resolve(__dirname, '..', '..', 'server', 'cli', 'main.js'));

/** The converter, counting its runs. */
function counted(): { converter: GgufConverter; runs: () => number } {
  let runs = 0;
  return { converter: (file, out, options) => (runs++, convert(file, out, options)), runs: () => runs };
}

/** A GGUF file of a tiny model, copied to a place of its own (so tests can replace it). */
function ggufAt(seed: number, dir = tempDir('gguf-src')): string {
  const file = path.join(dir, 'tiny.gguf');
  fs.copyFileSync(path.join(tinyModelFolder({}, seed, { gguf: true }).dir, modelFiles.gguf), file);
  return file;
}

const entries = (cacheDir: string) => fs.readdirSync(cacheDir).sort();

test('gguf cache: the first load converts, the second finds the entry without converting (same folder, untouched)', async () => {
  const file = ggufAt(31);
  const cacheDir = path.join(tempDir('gguf-cache'), 'models');
  const { converter, runs } = counted();
  const first = await cachedGgufModel(file, cacheDir, converter);
  assert.equal(first.converted, true);
  assert.equal(runs(), 1);
  for (const name of [modelFiles.config, modelFiles.onnx, modelFiles.tokenizer, cacheMarkerFile]) assert.ok(fs.existsSync(path.join(first.dir, name)), name);
  assert.equal(JSON.parse(fs.readFileSync(path.join(first.dir, cacheMarkerFile), 'utf8')).source, fs.realpathSync(file));
  const onnxMtime = fs.statSync(path.join(first.dir, modelFiles.onnx)).mtimeMs;

  const second = await cachedGgufModel(file, cacheDir, converter);
  assert.deepEqual(second, { dir: first.dir, converted: false });
  assert.equal(runs(), 1, 'no second conversion');
  assert.equal(fs.statSync(path.join(first.dir, modelFiles.onnx)).mtimeMs, onnxMtime);
  assert.deepEqual(entries(cacheDir), [path.basename(first.dir)], 'one entry, no partial folder');
});

test('gguf cache: a file replaced in place is converted again, and the old entry of that path is removed', async () => {
  const file = ggufAt(32);
  const cacheDir = tempDir('gguf-cache');
  const { converter, runs } = counted();
  const before = await cachedGgufModel(file, cacheDir, converter);
  const identity = ggufIdentity(file);
  // Another model at the same path, with the same size and modification time: only the head hash tells them apart.
  fs.copyFileSync(path.join(tinyModelFolder({}, 33, { gguf: true }).dir, modelFiles.gguf), file);
  fs.utimesSync(file, new Date(identity.mtimeMs), new Date(identity.mtimeMs));
  assert.equal(fs.statSync(file).size, identity.size);
  const after = await cachedGgufModel(file, cacheDir, converter);
  assert.equal(after.converted, true);
  assert.equal(runs(), 2);
  assert.notEqual(after.dir, before.dir);
  assert.deepEqual(entries(cacheDir), [path.basename(after.dir)], 'the entry of the replaced file is gone');
  assert.ok(!fs.readFileSync(path.join(after.dir, modelFiles.onnx)).equals(fs.readFileSync(path.join(tinyModelFolder({}, 32).dir, modelFiles.onnx))));
});

test('gguf cache: a conversion cancelled midway leaves no entry and no partial folder, and the next load converts', async () => {
  // The embedded model's export: enough tensors that the cancel lands while the child still converts.
  const file = path.join(embeddedModelFolder({ quant: 'int8' }).dir, modelFiles.gguf);
  const cacheDir = tempDir('gguf-cache');
  const controller = new AbortController();
  let reports = 0;
  await assert.rejects(
    cachedGgufModel(file, cacheDir, convert, {
      signal: controller.signal,
      onProgress: ({ done, total }) => {
        reports++;
        assert.ok(done <= total);
        if (done >= 2) controller.abort(new DOMException('cancelled by the test', 'AbortError'));
      },
    }),
    (error: Error) => error.name === 'AbortError',
  );
  assert.ok(reports >= 2);
  assert.deepEqual(entries(cacheDir), [], 'nothing kept');
  const again = await cachedGgufModel(file, cacheDir, convert);
  assert.equal(again.converted, true);
});

test('gguf cache: a partial folder left by a dead process is removed by the next conversion; a live one is kept', async () => {
  const cacheDir = tempDir('gguf-cache');
  const dead = path.join(cacheDir, '.partial-abc-999999999-x');
  const live = path.join(cacheDir, `.partial-abc-${process.ppid}-y`);
  for (const dir of [dead, live]) fs.mkdirSync(path.join(dir, 'model'), { recursive: true });
  await cachedGgufModel(ggufAt(34), cacheDir, convert);
  assert.ok(!fs.existsSync(dead));
  assert.ok(fs.existsSync(live));
});

test('gguf cache: a truncated GGUF fails with the converter\'s message naming the file; nothing is kept; the selection says what to do', async () => {
  const file = ggufAt(35);
  fs.truncateSync(file, Math.floor(fs.statSync(file).size / 2));
  const cacheDir = tempDir('gguf-cache');
  await assert.rejects(cachedGgufModel(file, cacheDir, convert), (error: Error) => {
    assert.ok(error instanceof GgufConversionError);
    assert.ok(error.message.includes(fs.realpathSync(file)), error.message);
    assert.match(error.message, /truncated file/);
    return true;
  });
  assert.deepEqual(entries(cacheDir), []);
  const selection = await selectEngine({ ...defaultSettings, engine: 'local', local: { ...defaultSettings.local, modelPath: file } }, undefined, {
    prepareGguf: async (gguf) => (await cachedGgufModel(gguf, cacheDir, convert)).dir,
  });
  assert.equal(selection.engine, undefined);
  assert.ok(!selection.engine && selection.broken);
  assert.match(!selection.engine ? selection.problem : '', /truncated file.*download the file again if it is damaged, or point rook\.local\.modelPath at another model/);
});

test('gguf cache: a GGUF of an architecture Rook does not run names it, and a client without a cache is told how to convert', async () => {
  const file = path.join(tempDir('gguf-src'), 'gemma.gguf');
  fs.writeFileSync(file, serializeGguf(new Map([['general.architecture', { str: 'gemma3' }]]), []));
  await assert.rejects(cachedGgufModel(file, tempDir('gguf-cache'), convert), /gemma3/);
  const selection = await selectEngine({ ...defaultSettings, engine: 'local', local: { ...defaultSettings.local, modelPath: file } });
  assert.match(!selection.engine ? selection.problem : '', /is a GGUF file: convert it with `rook convert/);
});

test('gguf cache: the quantization chosen for each weight of a file matches its type; the CLI cache follows XDG', () => {
  const int8 = path.join(tinyModelFolder({}, 36, { gguf: true, quant: 'int8' }).dir, modelFiles.gguf);
  const int4 = path.join(tinyModelFolder({}, 36, { gguf: true, quant: 'int4' }).dir, modelFiles.gguf);
  const f32 = path.join(tinyModelFolder({}, 36, { gguf: true }).dir, modelFiles.gguf);
  const kinds = (file: string) => new Set([...readGgufHeader(file).tensors.values()].map((tensor) => nearestQuant(tensor.type)));
  assert.deepEqual(kinds(int8), new Set(['int8', 'none']));
  assert.deepEqual(kinds(int4), new Set(['int4', 'none']));
  assert.deepEqual(kinds(f32), new Set(['none']));
  assert.equal(defaultModelCacheDir({ XDG_CACHE_HOME: '/x/cache' }, '/home/u'), path.join('/x/cache', 'rook', 'models'));
  assert.equal(defaultModelCacheDir({}, '/home/u'), path.join('/home/u', '.cache', 'rook', 'models'));
  assert.equal(defaultModelCacheDir({ XDG_CACHE_HOME: 'relative' }, '/home/u'), path.join('/home/u', '.cache', 'rook', 'models'));
});
