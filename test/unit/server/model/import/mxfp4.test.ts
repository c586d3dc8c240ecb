import assert from 'node:assert/strict';
import { test } from 'node:test';
import { decodeMxfp4, mxfp4Shape } from '../../../../../server/model/import/mxfp4';

const neverNaN = (): never => {
  throw new Error('no NaN scale here');
};

test('mxfp4: a pair decodes as transformers decodes it: low nibble first, times 2^(scale - 127), last two axes swapped', () => {
  // One expert, two output rows, one group of 32 inputs each.
  const blocks = new Uint8Array(32);
  blocks[0] = 0x21; // row 0: inputs 0, 1 = codes 1, 2 = 0.5, 1
  blocks[15] = 0xf9; // row 0: inputs 30, 31 = codes 9, 15 = -0.5, -6
  blocks[16] = 0x07; // row 1: inputs 0, 1 = codes 7, 0 = 6, 0
  const scales = Uint8Array.from([128, 125]);
  const shape = [1, 2, 1, 16];
  assert.deepEqual(mxfp4Shape(shape, [1, 2, 1]), [1, 32, 2]);
  const out = decodeMxfp4(blocks, scales, shape, neverNaN);
  // out is [expert][input][row].
  const at = (input: number, row: number) => out[input * 2 + row];
  assert.deepEqual([at(0, 0), at(1, 0), at(30, 0), at(31, 0)], [1, 2, -1, -12]);
  assert.deepEqual([at(0, 1), at(1, 1), at(2, 1)], [6 / 4, 0, 0]);
});

test('mxfp4: an exponent of 255 (NaN in E8M0) is reported, and shapes not in transformers\' layout are named', () => {
  assert.throws(() => decodeMxfp4(new Uint8Array(16), Uint8Array.from([255]), [1, 1, 1, 16], () => {
    throw new Error('NaN scale');
  }), /NaN scale/);
  assert.match(String(mxfp4Shape([4, 64, 2, 8], [4, 64, 2])), /blocks have shape \[4,64,2,8\], not \[experts, rows, groups, 16\]/);
  assert.match(String(mxfp4Shape([4, 64, 2, 16], [4, 64])), /scales have shape \[4,64\], not \[4,64,2\]/);
});
