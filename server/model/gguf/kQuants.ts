/**
 * llama.cpp's K-quants (Q4_K, Q5_K, Q6_K: super-blocks of 256 values with 6- or 8-bit sub-block scales) and MXFP4
 * (blocks of 32 FP4 E2M1 values with a shared power-of-two scale: gpt-oss's experts), as ggml-quants.c lays their
 * blocks out: decoded to float32 when Rook reads a GGUF that holds them, and encoded for test fixtures that llama.cpp
 * then judges; `decodeBlockParts` gives a block's integer codes, scales and mins, which `exactBlocks.ts` lays out for
 * ONNX Runtime as they are.
 * The encoders make valid blocks (min/max scales, nearest codes), not llama.cpp's error-minimizing search.
 */
import { float16BitsToFloat32, float32ToFloat16Bits } from '../dtype';

export type KQuantType = 'Q4_K' | 'Q5_K' | 'Q6_K' | 'MXFP4';

/** Values per block and bytes per block of each format. */
export const kQuantBlocks: Record<KQuantType, { elements: number; bytes: number }> = {
  Q4_K: { elements: 256, bytes: 144 },
  Q5_K: { elements: 256, bytes: 176 },
  Q6_K: { elements: 256, bytes: 210 },
  MXFP4: { elements: 32, bytes: 17 },
};

/** FP4 E2M1 values doubled, as ggml keeps them (the scale is halved to match). */
const mxfp4Values = [0, 1, 2, 3, 4, 6, 8, 12, 0, -1, -2, -3, -4, -6, -8, -12];

const f16 = (bytes: Uint8Array, at: number) => float16BitsToFloat32(bytes[at] | (bytes[at + 1] << 8));

/** Sub-block j's 6-bit scale and min from Q4_K/Q5_K's 12 packed bytes (ggml's get_scale_min_k4). */
function scaleMin(packed: Uint8Array, j: number): [number, number] {
  if (j < 4) return [packed[j] & 63, packed[j + 4] & 63];
  return [(packed[j + 4] & 0xf) | ((packed[j - 4] >> 6) << 4), (packed[j + 4] >> 4) | ((packed[j] >> 6) << 4)];
}

/**
 * How each format's block reads as unsigned integer codes c, each sub-block of `subBlock` values with a scale s and a
 * min m: value = s·(c − zeroPoint) − m (m is 0 where `mins` is false; then `middle` is the middle of the codes'
 * range). s and m are exact in float32 (an f16 times a 6- or 8-bit integer, or a power of two), so these parts hold
 * the block's numbers exactly; `bits` is the fewest of 4 and 8 that hold the codes.
 */
export const kQuantParts: Record<KQuantType, { bits: 8 | 4; subBlock: 16 | 32; zeroPoint: number; mins: boolean; middle?: number }> = {
  Q4_K: { bits: 4, subBlock: 32, zeroPoint: 0, mins: true, middle: 8 },
  Q5_K: { bits: 8, subBlock: 32, zeroPoint: 0, mins: true, middle: 16 },
  Q6_K: { bits: 8, subBlock: 16, zeroPoint: 128, mins: false },
  MXFP4: { bits: 8, subBlock: 32, zeroPoint: 128, mins: false },
};

/**
 * One block `b` of `type` as `kQuantParts` describes it: its codes (one per value), and per sub-block its scale and
 * min (left untouched where the format has none).
 */
export function decodeBlockParts(type: KQuantType, b: Uint8Array, codes: Uint8Array, scales: Float32Array, mins: Float32Array): void {
  if (type === 'MXFP4') {
    scales[0] = Math.pow(2, b[0] - 128);
    for (let j = 0; j < 16; j++) {
      codes[j] = mxfp4Values[b[1 + j] & 0xf] + 128;
      codes[j + 16] = mxfp4Values[b[1 + j] >> 4] + 128;
    }
  } else if (type === 'Q6_K') {
    const [ql, qh, subScales, d] = [b.subarray(0, 128), b.subarray(128, 192), new Int8Array(b.buffer, b.byteOffset + 192, 16), f16(b, 208)];
    for (let i = 0; i < 16; i++) scales[i] = d * subScales[i];
    // 6-bit codes q stand for q - 32: stored as q + 96 against the zero point 128.
    for (let half = 0; half < 2; half++) {
      for (let l = 0; l < 32; l++) {
        const [lo, hi, h] = [ql[half * 64 + l], ql[half * 64 + l + 32], qh[half * 32 + l]];
        codes[half * 128 + l] = ((lo & 0xf) | ((h & 3) << 4)) + 96;
        codes[half * 128 + l + 32] = ((hi & 0xf) | (((h >> 2) & 3) << 4)) + 96;
        codes[half * 128 + l + 64] = ((lo >> 4) | (((h >> 4) & 3) << 4)) + 96;
        codes[half * 128 + l + 96] = ((hi >> 4) | (((h >> 6) & 3) << 4)) + 96;
      }
    }
  } else {
    const [d, dmin, packed] = [f16(b, 0), f16(b, 2), b.subarray(4, 16)];
    const five = type === 'Q5_K';
    const qh = five ? b.subarray(16, 48) : undefined;
    const qs = b.subarray(five ? 48 : 16);
    for (let pair = 0; pair < 4; pair++) {
      for (let half = 0; half < 2; half++) {
        const sub = 2 * pair + half;
        const [sc, m] = scaleMin(packed, sub);
        scales[sub] = d * sc;
        mins[sub] = dmin * m;
        for (let l = 0; l < 32; l++) {
          const nibble = half === 0 ? qs[pair * 32 + l] & 0xf : qs[pair * 32 + l] >> 4;
          codes[sub * 32 + l] = nibble + (qh && qh[l] & (1 << sub) ? 16 : 0);
        }
      }
    }
  }
}

/** Decodes `count` values of `type` from `bytes` (a whole number of blocks). */
export function decodeKQuant(type: KQuantType, bytes: Uint8Array, count: number): Float32Array {
  const { elements, bytes: blockBytes } = kQuantBlocks[type];
  const { subBlock, zeroPoint } = kQuantParts[type];
  const out = new Float32Array(count);
  const codes = new Uint8Array(elements);
  const scales = new Float32Array(elements / subBlock);
  const mins = new Float32Array(elements / subBlock);
  for (let block = 0; block < count / elements; block++) {
    decodeBlockParts(type, bytes.subarray(block * blockBytes, (block + 1) * blockBytes), codes, scales, mins);
    for (let i = 0; i < elements; i++) out[block * elements + i] = scales[Math.floor(i / subBlock)] * (codes[i] - zeroPoint) - mins[Math.floor(i / subBlock)];
  }
  return out;
}

const writeF16 = (bytes: Uint8Array, at: number, value: number) => {
  const bits = float32ToFloat16Bits(value);
  bytes[at] = bits & 0xff;
  bytes[at + 1] = bits >> 8;
};

/** Encodes `values` (a whole number of blocks) as `type`, for fixtures. */
export function encodeKQuant(type: KQuantType, values: Float32Array): Uint8Array {
  const { elements, bytes: blockBytes } = kQuantBlocks[type];
  const out = new Uint8Array((values.length / elements) * blockBytes);
  for (let block = 0; block < values.length / elements; block++) {
    const x = values.subarray(block * elements, (block + 1) * elements);
    const b = out.subarray(block * blockBytes, (block + 1) * blockBytes);
    if (type === 'MXFP4') encodeMxfp4(x, b);
    else if (type === 'Q6_K') encodeQ6K(x, b);
    else encodeQ45K(x, b, type === 'Q5_K' ? 31 : 15);
  }
  return out;
}

function encodeMxfp4(x: Float32Array, b: Uint8Array): void {
  const amax = x.reduce((m, v) => Math.max(m, Math.abs(v)), 0);
  const e = amax === 0 ? 0 : Math.min(254, Math.max(1, Math.ceil(Math.log2(amax / 12)) + 128));
  b[0] = e;
  const d = Math.pow(2, e - 128);
  const nearest = (v: number) => mxfp4Values.reduce((best, q, i) => (Math.abs(q * d - v) < Math.abs(mxfp4Values[best] * d - v) ? i : best), 0);
  for (let j = 0; j < 16; j++) b[1 + j] = nearest(x[j]) | (nearest(x[j + 16]) << 4);
}

function encodeQ6K(x: Float32Array, b: Uint8Array): void {
  const subScales = Array.from({ length: 16 }, (_, s) => x.subarray(s * 16, (s + 1) * 16).reduce((m, v) => Math.max(m, Math.abs(v)), 0) / 31);
  const d = Math.max(...subScales) / 127 || 1;
  writeF16(b, 208, d);
  const dq = float16BitsToFloat32(float32ToFloat16Bits(d));
  const scales = new Int8Array(b.buffer, b.byteOffset + 192, 16);
  subScales.forEach((s, i) => (scales[i] = Math.min(127, Math.round(s / dq))));
  const code = (i: number) => {
    const step = dq * scales[Math.floor(i / 16)];
    return step === 0 ? 32 : Math.min(63, Math.max(0, Math.round(x[i] / step) + 32));
  };
  for (let half = 0; half < 2; half++) {
    for (let l = 0; l < 32; l++) {
      const [q1, q2, q3, q4] = [0, 32, 64, 96].map((o) => code(half * 128 + l + o));
      b[half * 64 + l] = (q1 & 0xf) | ((q3 & 0xf) << 4);
      b[half * 64 + l + 32] = (q2 & 0xf) | ((q4 & 0xf) << 4);
      b[128 + half * 32 + l] = (q1 >> 4) | ((q2 >> 4) << 2) | ((q3 >> 4) << 4) | ((q4 >> 4) << 6);
    }
  }
}

/** Q4_K (codes 0..15) and Q5_K (0..31): y = d·sc·q − dmin·m per 32-value sub-block. */
function encodeQ45K(x: Float32Array, b: Uint8Array, maxCode: number): void {
  const subs = Array.from({ length: 8 }, (_, s) => x.subarray(s * 32, (s + 1) * 32));
  const mins = subs.map((sub) => Math.max(0, -Math.min(...sub)));
  const steps = subs.map((sub, s) => (Math.max(...sub) + mins[s]) / maxCode);
  const d = Math.max(...steps) / 63 || 1;
  const dmin = Math.max(...mins) / 63 || 1;
  writeF16(b, 0, d);
  writeF16(b, 2, dmin);
  const [dq, dminq] = [float16BitsToFloat32(float32ToFloat16Bits(d)), float16BitsToFloat32(float32ToFloat16Bits(dmin))];
  const sc = steps.map((s) => Math.min(63, Math.round(s / dq)));
  const m = mins.map((v) => Math.min(63, Math.round(v / dminq)));
  const packed = b.subarray(4, 16);
  for (let j = 0; j < 8; j++) {
    if (j < 4) {
      packed[j] = sc[j];
      packed[j + 4] = m[j];
    } else {
      packed[j + 4] = (sc[j] & 0xf) | ((m[j] & 0xf) << 4);
      packed[j - 4] |= (sc[j] >> 4) << 6;
      packed[j] |= (m[j] >> 4) << 6;
    }
  }
  const five = maxCode === 31;
  const qh = five ? b.subarray(16, 48) : undefined;
  const qs = b.subarray(five ? 48 : 16);
  for (let pair = 0; pair < 4; pair++) {
    for (let half = 0; half < 2; half++) {
      const s = 2 * pair + half;
      for (let l = 0; l < 32; l++) {
        const step = dq * sc[s];
        const q = step === 0 ? 0 : Math.min(maxCode, Math.max(0, Math.round((subs[s][l] + dminq * m[s]) / step)));
        qs[pair * 32 + l] |= half === 0 ? q & 0xf : (q & 0xf) << 4;
        if (qh && q > 15) qh[l] |= 1 << s;
      }
    }
  }
}
