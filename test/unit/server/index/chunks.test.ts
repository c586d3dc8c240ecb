import { describe, test } from 'node:test';
import * as assert from 'node:assert/strict';
import { chunkFile, chunkLines, chunkText } from '../../../../server/index/chunks';

const indented = (count: number) => Array.from({ length: count }, (_, i) => `  line${i};`);

describe('index chunks', () => {
  test('windows of 24 lines overlap by a third and the last one ends at the file end', () => {
    const chunks = chunkFile(indented(50));
    assert.deepEqual(chunks, [
      { firstLine: 0, lastLine: 23 },
      { firstLine: 16, lastLine: 39 },
      { firstLine: 32, lastLine: 49 },
    ]);
    assert.equal(chunkLines, 24);
  });

  test('a window starts early at a top-level line close before its usual start', () => {
    const lines = indented(40);
    lines[14] = 'export function next() {';
    assert.deepEqual(chunkFile(lines).map((chunk) => chunk.firstLine), [0, 14, 30]);
  });

  test('blank windows are dropped; a short file is one chunk; text is the lines joined', () => {
    const lines = ['function a() {', '  return 1;', '}', ...Array.from({ length: 40 }, () => '')];
    assert.deepEqual(chunkFile(lines), [{ firstLine: 0, lastLine: 23 }]);
    assert.equal(chunkText(['x', 'y', 'z'], { firstLine: 1, lastLine: 2 }), 'y\nz');
    assert.deepEqual(chunkFile(['one']), [{ firstLine: 0, lastLine: 0 }]);
  });
});
