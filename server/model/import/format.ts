/**
 * What a checkpoint format contributes to a conversion: Rook's config from the checkpoint's own `config.json`, and
 * where the checkpoint holds each tensor Rook's decoder graph needs (`decoderTensorNames`).
 */
import type { FieldNaming, ModelConfig } from '../config';
import type { FloatTensor } from '../tensor';

/**
 * Part of a checkpoint tensor that holds a Rook tensor, for families that fuse several (Granite's and gpt-oss's
 * stacked experts): the checkpoint tensor, the shape it must have, and how the Rook tensor's values are taken from it.
 */
export interface TensorPart {
  name: string;
  shape: number[];
  select(whole: Float32Array): Float32Array;
}

/**
 * Of a tensor of `shape`, entry `index` of the first dimension (all of it when absent), then rows `[first, end)` of
 * that entry: a view, not a copy.
 */
export function entryRows(shape: readonly number[], index: number | undefined, rows?: [number, number]): (whole: Float32Array) => Float32Array {
  const entry = index === undefined ? shape : shape.slice(1);
  const rowLength = entry.slice(1).reduce((a, b) => a * b, 1);
  const [first, end] = rows ?? [0, entry[0]];
  const offset = (index ?? 0) * entry[0] * rowLength + first * rowLength;
  return (whole) => whole.subarray(offset, offset + (end - first) * rowLength);
}

/**
 * Of a `[entries, in, out]` tensor stored input-major (gpt-oss's experts), entry `index`'s columns `start, start +
 * step, …` as the `[columns, in]` matrix Rook stores (a copy).
 */
export function entryColumnsTransposed(shape: readonly number[], index: number, start: number, step: number): (whole: Float32Array) => Float32Array {
  const [, inputs, outputs] = shape;
  const columns = Math.ceil((outputs - start) / step);
  return (whole) => {
    const out = new Float32Array(columns * inputs);
    const base = index * inputs * outputs;
    for (let c = 0; c < columns; c++) for (let k = 0; k < inputs; k++) out[c * inputs + k] = whole[base + k * outputs + start + c * step];
    return out;
  };
}

/** Of a `[entries, n]` tensor, entry `index`'s elements `start, start + step, …` (a copy). */
export function entryStrided(shape: readonly number[], index: number, start: number, step: number): (whole: Float32Array) => Float32Array {
  const n = shape[1];
  return (whole) => Float32Array.from({ length: Math.ceil((n - start) / step) }, (_, i) => whole[index * n + start + i * step]);
}

/** The values of `part` within its checkpoint tensor `whole`, as a Rook tensor of `shape`, read when first asked for. */
export function tensorPart(whole: FloatTensor, part: TensorPart, shape: number[]): FloatTensor {
  return {
    shape,
    get data() {
      return part.select(whole.data);
    },
  };
}

export interface CheckpointFormat {
  /** For messages: "Hugging Face Grok-1". */
  label: string;
  modelConfig(json: Record<string, unknown>, file: string): ModelConfig;
  /** How its config.json names Rook's config fields, for messages; absent when the names are Rook's. */
  naming?: FieldNaming;
  /** The checkpoint's name of the tensor Rook calls `rookName`. */
  sourceName(rookName: string): string;
  /** Where the checkpoint holds `rookName` as part of a fused tensor; undefined where it is a tensor of its own. */
  sourcePart?(rookName: string, config: ModelConfig): TensorPart | undefined;
  /**
   * For a release in tensor-parallel files: the axis the checkpoint tensor `sourceName` is split along across ranks,
   * or undefined for a tensor kept whole.
   */
  splitAxis?(sourceName: string): number | undefined;
}

/** Copies the keys that are present, so Rook's config parser applies its own defaults to the rest. */
export function presentKeys(json: Record<string, unknown>, keys: readonly string[]): Record<string, unknown> {
  return Object.fromEntries(keys.filter((key) => json[key] !== undefined && json[key] !== null).map((key) => [key, json[key]]));
}
