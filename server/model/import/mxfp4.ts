/**
 * transformers' MXFP4 checkpoint tensors (gpt-oss's released experts): a weight `W` is stored as `W_blocks`, uint8
 * `[experts, rows, groups, 16]` (32 E2M1 values a group, two a byte: the low nibble first), and `W_scales`, uint8
 * `[experts, rows, groups]` (an E8M0 exponent a group, biased by 127). transformers' `convert_moe_packed_tensors`
 * decodes them to `[experts, rows, groups * 32]` and swaps the last two axes: the tensor a BF16 release stores as `W`.
 * Every E2M1 value times a power of two is exact in float32, so this decoding loses nothing.
 */

/** E2M1 codes 0-15: sign bit, two exponent bits, one mantissa bit (the OCP microscaling format). */
const e2m1Values = [0, 0.5, 1, 1.5, 2, 3, 4, 6, -0, -0.5, -1, -1.5, -2, -3, -4, -6];
const blockBytes = 16;

/** The decoded tensor's shape, `[experts, groups * 32, rows]`, or a reason the pair is not MXFP4 as transformers writes it. */
export function mxfp4Shape(blocksShape: readonly number[], scalesShape: readonly number[]): number[] | string {
  if (blocksShape.length !== 4 || blocksShape[3] !== blockBytes) return `blocks have shape [${blocksShape}], not [experts, rows, groups, ${blockBytes}]`;
  if (scalesShape.join() !== blocksShape.slice(0, 3).join()) return `scales have shape [${scalesShape}], not [${blocksShape.slice(0, 3)}] as the blocks imply`;
  const [experts, rows, groups] = blocksShape;
  return [experts, groups * 2 * blockBytes, rows];
}

/**
 * The float32 values of an MXFP4 pair (shapes checked by `mxfp4Shape`), input-major as transformers returns them.
 * An exponent of 255 is NaN in E8M0 and is reported by `onNaNScale` rather than decoded.
 */
export function decodeMxfp4(blocks: Uint8Array, scales: Uint8Array, blocksShape: readonly number[], onNaNScale: () => never): Float32Array {
  const [experts, rows, groups] = blocksShape;
  const columns = groups * 2 * blockBytes;
  const out = new Float32Array(experts * rows * columns);
  for (let e = 0; e < experts; e++) {
    for (let r = 0; r < rows; r++) {
      for (let g = 0; g < groups; g++) {
        const group = (e * rows + r) * groups + g;
        const exponent = scales[group];
        if (exponent === 255) onNaNScale();
        const scale = 2 ** (exponent - 127);
        for (let b = 0; b < blockBytes; b++) {
          const byte = blocks[group * blockBytes + b];
          const column = g * 2 * blockBytes + 2 * b;
          // Decoded row r, column c lands at [e][c][r]: the swap of the last two axes.
          out[(e * columns + column) * rows + r] = e2m1Values[byte & 0xf] * scale;
          out[(e * columns + column + 1) * rows + r] = e2m1Values[byte >> 4] * scale;
        }
      }
    }
  }
  return out;
}
