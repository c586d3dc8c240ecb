/**
 * q/k rows between Hugging Face's (and Rook's graph's) RoPE, which rotates the two halves of a head, and llama.cpp's
 * `llama` graph, which rotates interleaved pairs: within each head, row `j * headDim/2 + i` is row `2i + j` there, as
 * llama.cpp's convert_hf_to_gguf.py permutes. Blocks run along a row, so quantized rows stay the ONNX graph's blocks.
 */
import type { FloatTensor } from '../tensor';

/** Moves each head's row `j * headDim/2 + i` (rotate-half order) to `2i + j` (interleaved), or back when `inverse`. */
function permuteRopeRows<T extends Float32Array | Uint8Array>(data: T, rows: number, heads: number, inverse: boolean): T {
  const cols = data.length / rows;
  const headDim = rows / heads;
  const half = headDim / 2;
  // A fresh array, not `slice()`: a Buffer's slice is a view of the same memory.
  const out = (data instanceof Float32Array ? new Float32Array(data.length) : new Uint8Array(data.length)) as T;
  for (let h = 0; h < heads; h++) {
    for (let j = 0; j < 2; j++) {
      for (let i = 0; i < half; i++) {
        const halves = (h * headDim + j * half + i) * cols;
        const interleaved = (h * headDim + 2 * i + j) * cols;
        const [from, to] = inverse ? [interleaved, halves] : [halves, interleaved];
        out.set(data.subarray(from, from + cols), to);
      }
    }
  }
  return out;
}

/** Rows of a `[heads * headDim, in]` projection reordered from rotate-half to interleaved RoPE pairs. */
export function interleaveRopeRows(tensor: FloatTensor, heads: number): FloatTensor {
  return { shape: tensor.shape, data: permuteRopeRows(tensor.data, tensor.shape[0], heads, false) };
}

/** The inverse of `interleaveRopeRows`: a llama GGUF's q/k rows back in rotate-half order. */
export function deinterleaveRopeRows(tensor: FloatTensor, heads: number): FloatTensor {
  return { shape: tensor.shape, data: permuteRopeRows(tensor.data, tensor.shape[0], heads, true) };
}

/** `deinterleaveRopeRows` of a `rows`-row tensor's quantized blocks: whole rows of blocks move. */
export function deinterleaveRopeRowBlocks(bytes: Uint8Array, rows: number, heads: number): Uint8Array {
  return permuteRopeRows(bytes, rows, heads, true);
}
