import assert from 'node:assert/strict';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { test } from 'node:test';
import { parseSafetensors, readSafetensors, serializeSafetensors, writeSafetensors } from '../../server/model/safetensors';
import type { Weights } from '../../server/model/tensor';
import { tempDir } from '../support/tempDir';

const weights: Weights = new Map([
  ['a.weight', { shape: [2, 3], data: new Float32Array([1, -2, 0.5, 3.25, -0.125, 65504]) }],
  ['b', { shape: [1], data: new Float32Array([1 / 3]) }],
]);

test('safetensors: F32 round trip is exact, F16/BF16 round to the nearest representable value', () => {
  const dir = tempDir('st');
  const file = path.join(dir, 'model.safetensors');
  writeSafetensors(file, weights);
  const back = readSafetensors(file);
  assert.deepEqual([...back.keys()], ['a.weight', 'b']);
  assert.deepEqual(back.get('a.weight'), weights.get('a.weight'));
  assert.deepEqual(back.get('b')!.data, new Float32Array([1 / 3]));

  const half = parseSafetensors(serializeSafetensors(weights, 'F16'), 'h');
  assert.deepEqual([...half.get('a.weight')!.data], [1, -2, 0.5, 3.25, -0.125, 65504]);
  assert.equal(half.get('b')!.data[0], 0.333251953125);
  const brain = parseSafetensors(serializeSafetensors(weights, 'BF16'), 'b');
  assert.deepEqual([...brain.get('a.weight')!.data], [1, -2, 0.5, 3.25, -0.125, 65536]);
  assert.equal(brain.get('b')!.data[0], 0.333984375);
});

test('safetensors: header is padded to 8 bytes and data offsets follow the format', () => {
  const bytes = serializeSafetensors(weights);
  const headerLength = Number(new DataView(bytes.buffer).getBigUint64(0, true));
  assert.equal(headerLength % 8, 0);
  const header = JSON.parse(Buffer.from(bytes.subarray(8, 8 + headerLength)).toString());
  assert.deepEqual(header['a.weight'], { dtype: 'F32', shape: [2, 3], data_offsets: [0, 24] });
  assert.deepEqual(header.b.data_offsets, [24, 28]);
  // The offsets come from the shapes (the header is written before the data): values that do not fill one are refused.
  assert.throws(() => serializeSafetensors(new Map([['short', { shape: [2, 3], data: new Float32Array(5) }]])), /tensor "short": 5 values for shape \[2, 3\]/);
});

test('safetensors: truncated and corrupt files give errors naming the file and problem', () => {
  const bytes = serializeSafetensors(weights);
  assert.throws(() => parseSafetensors(bytes.subarray(0, 5), 'w.safetensors'), /w\.safetensors: file is 5 bytes, too short/);
  assert.throws(() => parseSafetensors(bytes.subarray(0, 20), 'w.safetensors'), /w\.safetensors: header claims \d+ bytes/);
  assert.throws(() => parseSafetensors(bytes.subarray(0, bytes.length - 4), 'w.safetensors'), /tensor "b" ends at byte 28 of a 24-byte data section \(truncated file\)/);
  const corrupt = Uint8Array.from(bytes);
  corrupt[8] = 0x7b + 1;
  assert.throws(() => parseSafetensors(corrupt, 'w.safetensors'), /w\.safetensors: header is not valid JSON/);
  const badHeader = (header: object) => {
    const json = Buffer.from(JSON.stringify(header));
    const out = new Uint8Array(8 + json.length + 8);
    new DataView(out.buffer).setBigUint64(0, BigInt(json.length), true);
    out.set(json, 8);
    return out;
  };
  assert.throws(() => parseSafetensors(badHeader({ x: { dtype: 'I8', shape: [8], data_offsets: [0, 8] } }), 'q'), /q: tensor "x" has dtype I8/);
  assert.throws(() => parseSafetensors(badHeader({ x: { dtype: 'F32', shape: [3], data_offsets: [0, 8] } }), 'q'), /spans 8 bytes but shape \[3\] of F32 needs 12/);
  assert.throws(() => readSafetensors('/nonexistent/m.safetensors'), /\/nonexistent\/m\.safetensors: cannot read \(ENOENT\)/);
});
