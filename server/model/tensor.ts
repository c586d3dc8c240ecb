import type { GgufBlockType } from './gguf/read';

/** A dense float32 tensor in row-major order, the in-memory form of every weight. */
export interface FloatTensor {
  shape: number[];
  data: Float32Array;
  /** The quantized blocks `data` decodes from, where the weight comes from a GGUF that holds it so. */
  blocks?: FileBlocks;
}

/**
 * A weight's blocks as its GGUF file holds them, row-major along the last dim: what a graph keeps as they are where
 * ONNX Runtime runs their format exactly (`gguf/exactBlocks.ts`), without a round trip through float32.
 */
export interface FileBlocks {
  type: GgufBlockType;
  /** Read from the file on each call. */
  bytes(): Uint8Array;
}

/** Weights by name, as a checkpoint file holds them. */
export type Weights = Map<string, FloatTensor>;

/** What a graph or GGUF writer needs of weights: lookup by name (a map, or a checkpoint read on demand). */
export type WeightSource = Pick<ReadonlyMap<string, FloatTensor>, 'get'>;

export function elementCount(shape: readonly number[]): number {
  return shape.reduce((product, dim) => product * dim, 1);
}

/** Swaps the two dims of a 2-D tensor (`[rows, cols]` to `[cols, rows]`). */
export function transpose2d(tensor: FloatTensor): FloatTensor {
  const [rows, cols] = tensor.shape;
  const out = new Float32Array(rows * cols);
  for (let r = 0; r < rows; r++) {
    for (let c = 0; c < cols; c++) out[c * rows + r] = tensor.data[r * cols + c];
  }
  return { shape: [cols, rows], data: out };
}

/** Stacks equally shaped tensors along a new leading dim. */
export function stack(tensors: readonly FloatTensor[]): FloatTensor {
  const size = tensors[0].data.length;
  const out = new Float32Array(size * tensors.length);
  tensors.forEach((tensor, i) => out.set(tensor.data, i * size));
  return { shape: [tensors.length, ...tensors[0].shape], data: out };
}
