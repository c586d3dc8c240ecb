/**
 * Block quantization of linear-layer weights, shared by both engines so that they run bit-identical weights:
 * llama.cpp's Q8_0 and Q4_0 (blocks of 32 along a row, one fp16 scale d per block) computed as
 * ggml-quants.c's `quantize_row_q8_0_ref` / `quantize_row_q4_0_ref` do, in float32. The same blocks are then
 * laid out twice: as ggml block bytes for GGUF, and as ONNX Runtime MatMulNBits inputs (codes packed low-first
 * along K, float scales equal to the fp16 d, the default zero point 2^(bits-1)), which dequantize to the same
 * values d·q.
 */
import { float16BitsToFloat32, float32ToFloat16Bits } from './dtype';
import type { FloatTensor } from './tensor';

/** Weight quantization of a built model: `none` keeps float32. */
export type QuantType = 'none' | 'int8' | 'int4';

/**
 * What a graph's linear layers become: one `QuantType` for all, or `match`: each weight read from a GGUF the kind
 * nearest its own block type, which holds its numbers exactly (`gguf/nearestQuant.ts`); float weights stay float32.
 */
export type QuantChoice = QuantType | 'match';

/** How a model is built from its float weights (ONNX graph and GGUF alike). */
export interface QuantOptions {
  /**
   * Linear layers (attention projections and experts) and an untied output projection (`outputQuant`); the embedding
   * (and an output tied to it), router and norms stay float32. Default `none`.
   */
  quant?: QuantChoice;
  /**
   * What the quantized ONNX MatMuls multiply the weights with. `int8` (default) rounds each activation row to int8
   * in blocks and runs integer dot products (MatMulNBits accuracy_level 4), the kind of arithmetic llama.cpp does
   * for Q8_0/Q4_0 (its rounding is not the same): the fast CPU path, at no measured loss cost. `float32` multiplies
   * float activations by the dequantized weights d·q exactly (accuracy_level 0); with 8-bit weights ONNX Runtime's
   * CPU kernel is then slower than float32 weights. `bench/quant/README.md` has the figures.
   */
  activations?: 'int8' | 'float32';
}

/**
 * What an untied output projection becomes: int8 where the linear layers are int4, as llama.cpp keeps `output.weight`
 * in Q6_K (Q8_0 where rows do not fit) in its 4-bit files, since every token is chosen from these logits; otherwise
 * the linear layers' kind. Quantized, it is read at a quarter of float32's bytes each decoded token: the widest
 * matrix of a model (Qwen3's 151,936-token vocabulary: 1.2 GB in float32).
 */
export function outputQuant(quant: QuantChoice = 'none'): QuantChoice {
  return quant === 'int4' ? 'int8' : quant;
}

/** MatMulNBits' `accuracy_level` for `activations`. */
export const matMulNBitsAccuracyLevel = { int8: 4, float32: 0 } as const;

export const quantBlockSize = 32;

/** Quantized rows: `codes` are the signed values q (w = d·q), -128..127 for int8 and -8..7 for int4. */
export interface QuantizedBlocks {
  bits: 8 | 4;
  /** Leading dims of the tensor (rows may be stacked, e.g. `[experts, out]`) and the row length K. */
  shape: number[];
  codes: Int8Array;
  /** One fp16 bit pattern per block, row-major over `[rows, K / 32]`. */
  scaleBits: Uint16Array;
}

export function quantBits(quant: Exclude<QuantType, 'none'>): 8 | 4 {
  return quant === 'int8' ? 8 : 4;
}

/** Refuses a `shape` whose rows (its last dim) are not whole blocks of `quantBlockSize`, naming the tensor. */
export function checkWholeBlocks(shape: readonly number[], name: string): void {
  const k = shape[shape.length - 1];
  if (k % quantBlockSize !== 0) {
    throw new Error(`tensor "${name}" has rows of ${k} values, not a multiple of ${quantBlockSize}: int8/int4 quantization (llama.cpp Q8_0/Q4_0) needs whole blocks of ${quantBlockSize}; build this model with quant "none"`);
  }
}

/**
 * Quantizes every row of `tensor` (its last dim is K) into blocks of 32. K must be a multiple of 32, as ggml
 * requires of Q8_0/Q4_0 rows; `name` is used in the error.
 */
export function quantizeRows(tensor: FloatTensor, bits: 8 | 4, name: string): QuantizedBlocks {
  checkWholeBlocks(tensor.shape, name);
  const blocks = tensor.data.length / quantBlockSize;
  const codes = new Int8Array(tensor.data.length);
  const scaleBits = new Uint16Array(blocks);
  const quantizeBlock = bits === 8 ? quantizeBlockQ8 : quantizeBlockQ4;
  for (let b = 0; b < blocks; b++) scaleBits[b] = quantizeBlock(tensor.data.subarray(b * quantBlockSize, (b + 1) * quantBlockSize), codes.subarray(b * quantBlockSize, (b + 1) * quantBlockSize));
  return { bits, shape: [...tensor.shape], codes, scaleBits };
}

const f32 = Math.fround;

/** quantize_row_q8_0_ref: d = amax/127, q = roundf(x/d) (half away from zero), computed with the unrounded d. */
function quantizeBlockQ8(x: Float32Array, codes: Int8Array): number {
  let amax = 0;
  for (const v of x) amax = Math.max(amax, Math.abs(v));
  const d = f32(amax / 127);
  const id = d ? f32(1 / d) : 0;
  for (let j = 0; j < x.length; j++) {
    const scaled = f32(x[j] * id);
    codes[j] = Math.sign(scaled) * Math.round(Math.abs(scaled));
  }
  return float32ToFloat16Bits(d);
}

/**
 * quantize_row_q4_0_ref: d = m/-8 where m is the element of largest magnitude (sign kept, first one on ties), so
 * m itself maps to code 0 (q = -8) and the other end of the range is clipped at 15 (q = 7).
 */
function quantizeBlockQ4(x: Float32Array, codes: Int8Array): number {
  let amax = 0;
  let max = 0;
  for (const v of x) {
    if (amax < Math.abs(v)) {
      amax = Math.abs(v);
      max = v;
    }
  }
  const d = f32(max / -8);
  const id = d ? f32(1 / d) : 0;
  for (let j = 0; j < x.length; j++) codes[j] = Math.min(15, Math.trunc(f32(f32(x[j] * id) + 8.5))) - 8;
  return float32ToFloat16Bits(d);
}

/** The float32 values d·q the quantized weights stand for (what both engines multiply by). */
export function dequantize(blocks: QuantizedBlocks): FloatTensor {
  const data = new Float32Array(blocks.codes.length);
  for (let b = 0; b < blocks.scaleBits.length; b++) {
    const d = float16BitsToFloat32(blocks.scaleBits[b]);
    for (let j = b * quantBlockSize; j < (b + 1) * quantBlockSize; j++) data[j] = d * blocks.codes[j];
  }
  return { shape: [...blocks.shape], data };
}

/** ggml block sizes in bytes: fp16 d then the codes. */
export const ggmlBlockBytes = { 8: 2 + quantBlockSize, 4: 2 + quantBlockSize / 2 } as const;

/**
 * ggml's block bytes: Q8_0 = d, 32 int8 codes; Q4_0 = d, 16 bytes whose low nibbles hold elements 0..15 and high
 * nibbles elements 16..31, each as q + 8.
 */
export function toGgmlBlocks(blocks: QuantizedBlocks): Uint8Array {
  const blockBytes = ggmlBlockBytes[blocks.bits];
  const out = new Uint8Array(blocks.scaleBits.length * blockBytes);
  const view = new DataView(out.buffer);
  const half = quantBlockSize / 2;
  for (let b = 0; b < blocks.scaleBits.length; b++) {
    const at = b * blockBytes;
    view.setUint16(at, blocks.scaleBits[b], true);
    const codes = blocks.codes.subarray(b * quantBlockSize, (b + 1) * quantBlockSize);
    if (blocks.bits === 8) out.set(new Uint8Array(codes.buffer, codes.byteOffset, quantBlockSize), at + 2);
    else for (let j = 0; j < half; j++) out[at + 2 + j] = (codes[j] + 8) | ((codes[j + half] + 8) << 4);
  }
  return out;
}

/** The inverse of `toGgmlBlocks`: blocks of a tensor of `shape` (its last dim a multiple of 32) from ggml block bytes. */
export function fromGgmlBlocks(bytes: Uint8Array, bits: 8 | 4, shape: number[]): QuantizedBlocks {
  const blockBytes = ggmlBlockBytes[bits];
  const blocks = bytes.byteLength / blockBytes;
  const codes = new Int8Array(blocks * quantBlockSize);
  const scaleBits = new Uint16Array(blocks);
  const view = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  const half = quantBlockSize / 2;
  for (let b = 0; b < blocks; b++) {
    const at = b * blockBytes;
    scaleBits[b] = view.getUint16(at, true);
    const out = b * quantBlockSize;
    if (bits === 8) for (let j = 0; j < quantBlockSize; j++) codes[out + j] = view.getInt8(at + 2 + j);
    else {
      for (let j = 0; j < half; j++) {
        codes[out + j] = (bytes[at + 2 + j] & 0x0f) - 8;
        codes[out + j + half] = (bytes[at + 2 + j] >> 4) - 8;
      }
    }
  }
  return { bits, shape: [...shape], codes, scaleBits };
}

/**
 * MatMulNBits weight inputs for a `[N, K]` matrix: B uint8 `[N, K/blockSize, blockSize·bits/8]` and scales float
 * `[N·K/blockSize]`, codes stored unsigned against the kernel's default zero point 2^(bits-1): a weight is
 * scale·(code − 2^(bits-1)) − offset.
 */
export interface MatMulNBitsWeight {
  n: number;
  k: number;
  bits: 8 | 4;
  /** Values per block along K: 32, or 16 for Q6_K's sub-blocks. */
  blockSize: number;
  packed: Uint8Array;
  scales: Float32Array;
  /** `[K/blockSize, N]`: each block's offset (Q4_K's and Q5_K's mins); absent where the blocks have none. */
  blockOffsets?: Float32Array;
}

/** Codes one per value, `[N, K]`, packed as MatMulNBits stores them: two 4-bit codes per byte, the lower K index low. */
export function packCodes(codes: Uint8Array, bits: 8 | 4): Uint8Array {
  if (bits === 8) return codes;
  const packed = new Uint8Array(codes.length / 2);
  for (let i = 0; i < packed.length; i++) packed[i] = codes[2 * i] | (codes[2 * i + 1] << 4);
  return packed;
}

/**
 * MatMulNBits' layout of 2-D blocks: codes stored unsigned as q + 2^(bits-1) (the zero point the kernel assumes
 * when none is given).
 */
export function toMatMulNBits(blocks: QuantizedBlocks): MatMulNBitsWeight {
  if (blocks.shape.length !== 2) throw new Error(`MatMulNBits takes a 2-D weight, got shape [${blocks.shape}]`);
  const [n, k] = blocks.shape;
  const zeroPoint = 1 << (blocks.bits - 1);
  const codes = Uint8Array.from(blocks.codes, (q) => q + zeroPoint);
  return { n, k, bits: blocks.bits, blockSize: quantBlockSize, packed: packCodes(codes, blocks.bits), scales: Float32Array.from(blocks.scaleBits, float16BitsToFloat32) };
}
