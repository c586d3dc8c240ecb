/**
 * GGUF weights as ONNX Runtime MatMulNBits inputs that hold the file's own numbers, laid out from the blocks without a
 * round trip through float32 or a re-quantization:
 * - Q8_0, Q4_0: Rook's int8 / int4 blocks are these blocks (`quant.ts`).
 * - MXFP4: its E2M1 values doubled are the integers -12..12, so 8-bit codes with the scale 2^(e-128) per block of 32.
 * - Q6_K: 8-bit codes in blocks of 16 (its sub-blocks), scale d·sc.
 * - Q4_K, Q5_K: w = d·sc·q − dmin·m per sub-block of 32: the codes q − 8 (q − 16) with scale d·sc, and the rest,
 *   dmin·m − 8·d·sc, subtracted by a side product of the input's 32-value sums with the `[K/32, N]` offsets (`linear`
 *   in onnx/layers.ts); a sub-block with sc = 0 is its offset alone. MatMulNBits also takes float zero points
 *   (dmin·m / (d·sc)), but ONNX Runtime 1.30's CPU kernel then dequantizes the whole matrix on every run: ~130x
 *   slower per decoded token, where the side product costs ~15% of that product (bench/gguf/README.md).
 * Scales and mins are exact in float32 (f16 values times 6- or 8-bit integers, or powers of two); the offsets
 * m − 8·s are rounded once, so Q4_K and Q5_K weights are the file's within float32 rounding, the others bit for bit.
 */
import { fromGgmlBlocks, packCodes, quantBlockSize, quantizeRows, toMatMulNBits, type MatMulNBitsWeight } from '../quant';
import type { FileBlocks, FloatTensor } from '../tensor';
import { decodeBlockParts, kQuantBlocks, kQuantParts } from './kQuants';
import type { GgufBlockType } from './read';

/** How a block type lies in MatMulNBits: code bits, values per block, whether blocks have offsets; values per file block. */
export interface ExactForm {
  bits: 8 | 4;
  blockSize: number;
  offsets: boolean;
  fileBlock: number;
}

export function exactForm(type: GgufBlockType): ExactForm {
  if (type === 'Q8_0' || type === 'Q4_0') return { bits: type === 'Q8_0' ? 8 : 4, blockSize: quantBlockSize, offsets: false, fileBlock: quantBlockSize };
  const { bits, subBlock, mins } = kQuantParts[type];
  return { bits, blockSize: subBlock, offsets: mins, fileBlock: kQuantBlocks[type].elements };
}

/**
 * `weight` `[N, K]` as MatMulNBits inputs of `bits`: its file's blocks as they are where their exact form has those
 * bits and `accepts` it (a kernel that takes only some forms), else its float32 values quantized as llama.cpp's
 * Q8_0 / Q4_0 (`name` is used in errors).
 */
export function matMulNBitsWeight(weight: FloatTensor, bits: 8 | 4, name: string, accepts: (form: ExactForm) => boolean = () => true): MatMulNBitsWeight {
  const { blocks } = weight;
  const form = blocks && exactForm(blocks.type);
  if (blocks && form && form.bits === bits && accepts(form) && weight.shape.length === 2 && weight.shape[1] % form.fileBlock === 0) return exactMatMulNBits(blocks, weight.shape);
  return toMatMulNBits(quantizeRows(weight, bits, name));
}

function exactMatMulNBits(blocks: FileBlocks, [n, k]: number[]): MatMulNBitsWeight {
  const { type } = blocks;
  const bytes = blocks.bytes();
  if (type === 'Q8_0' || type === 'Q4_0') return toMatMulNBits(fromGgmlBlocks(bytes, type === 'Q8_0' ? 8 : 4, [n, k]));
  const { bits, subBlock, zeroPoint, middle } = kQuantParts[type];
  const { elements, bytes: blockBytes } = kQuantBlocks[type];
  const subBlocks = elements / subBlock;
  const rowBlocks = k / subBlock;
  const codes = new Uint8Array(n * k);
  const scales = new Float32Array(n * rowBlocks);
  const mins = new Float32Array(n * rowBlocks);
  for (let block = 0; block < (n * k) / elements; block++) {
    const sub = block * subBlocks;
    decodeBlockParts(type, bytes.subarray(block * blockBytes, (block + 1) * blockBytes), codes.subarray(block * elements, (block + 1) * elements), scales.subarray(sub, sub + subBlocks), mins.subarray(sub, sub + subBlocks));
  }
  const weight: MatMulNBitsWeight = { n, k, bits, blockSize: subBlock, packed: codes, scales };
  if (middle !== undefined) {
    // s·(c − zeroPoint) − m = s·(c − middle) − (m − middle·s): the codes centred on MatMulNBits' zero point, whose int8
    // activations then round against small codes as for Q4_0, and the rest a per-block offset.
    const shift = (1 << (bits - 1)) - middle - zeroPoint;
    for (let i = 0; i < codes.length; i++) codes[i] += shift;
    const offsets = new Float32Array(rowBlocks * n);
    for (let r = 0; r < n; r++) for (let j = 0; j < rowBlocks; j++) offsets[j * n + r] = mins[r * rowBlocks + j] - middle * scales[r * rowBlocks + j];
    weight.blockOffsets = offsets;
  }
  weight.packed = packCodes(codes, bits);
  return weight;
}
