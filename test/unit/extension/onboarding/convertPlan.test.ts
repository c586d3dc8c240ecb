import assert from 'node:assert/strict';
import * as path from 'node:path';
import { describe, test } from 'node:test';
import { convertArguments, defaultOutputFolder, outputFolderError, type OutputFolderState } from '../../../../extension/onboarding/convertPlan';

const models = path.resolve('/home/ada/models');

describe('Convert a Model…', () => {
  test('proposes a sibling folder named after the checkpoint or the GGUF file', () => {
    assert.equal(defaultOutputFolder(path.join(models, 'Mixtral-8x7B-v0.1')), path.join(models, 'Mixtral-8x7B-v0.1-rook'));
    assert.equal(defaultOutputFolder(path.join(models, 'Mixtral-8x7B-v0.1') + path.sep), path.join(models, 'Mixtral-8x7B-v0.1-rook'));
    assert.equal(defaultOutputFolder(path.join(models, 'mixtral-8x7b.Q8_0.gguf')), path.join(models, 'mixtral-8x7b.Q8_0-rook'));
    assert.equal(defaultOutputFolder(path.join(models, 'OLMOE.GGUF')), path.join(models, 'OLMOE-rook'));
  });

  test("runs Rook's own CLI: convert SOURCE OUT, with --quant unless float32", () => {
    const script = path.resolve('/ext/dist/rook.js');
    assert.deepEqual(convertArguments(script, '/m/src', '/m/out', 'int8'), [script, 'convert', '/m/src', '/m/out', '--quant', 'int8']);
    assert.deepEqual(convertArguments(script, '/m/src', '/m/out', 'int4'), [script, 'convert', '/m/src', '/m/out', '--quant', 'int4']);
    assert.deepEqual(convertArguments(script, '/m/src', '/m/out', 'float32'), [script, 'convert', '/m/src', '/m/out']);
  });

  test('writes to a new or empty folder or over an earlier conversion, never into a folder of other files or the source', () => {
    const source = path.join(models, 'Mixtral');
    const states: Record<string, OutputFolderState> = {
      [path.join(models, 'new')]: 'missing',
      [path.join(models, 'empty')]: 'empty',
      [path.join(models, 'earlier-rook')]: 'model-folder',
      [models]: 'other',
    };
    const state = (dir: string) => states[dir] ?? 'missing';
    for (const ok of ['new', 'empty', 'earlier-rook']) assert.equal(outputFolderError(source, path.join(models, ok), state), undefined, ok);
    assert.match(outputFolderError(source, models, state)!, /already holds other files/);
    assert.match(outputFolderError(source, source, state)!, /another folder than the source/);
    assert.match(outputFolderError(source, '  ', state)!, /Type the folder/);
    assert.match(outputFolderError(source, 'relative/out', state)!, /absolute/);
  });
});
