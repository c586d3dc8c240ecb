/**
 * What a checkpoint format contributes to a conversion: Rook's config from the checkpoint's own `config.json`, and
 * where the checkpoint holds each tensor Rook's decoder graph needs (`decoderTensorNames`).
 */
import type { FieldNaming, ModelConfig } from '../config';
import type { FloatTensor } from '../tensor';

/**
 * Part of a checkpoint tensor that holds a Rook tensor, for families that fuse several (Granite's experts, stacked
 * `[experts, gate and up rows, hidden]`): entry `index` of its first dimension, then `rows` of what is left.
 */
export interface TensorPart {
  /** The checkpoint tensor, and the shape it must have. */
  name: string;
  shape: number[];
  /** Absent: the whole first dimension (a 2-D tensor's rows). */
  index?: number;
  rows?: [number, number];
}

/** The values of `part` within its checkpoint tensor `whole`, as a Rook tensor of `shape` (a view, not a copy). */
export function tensorPart(whole: FloatTensor, part: TensorPart, shape: number[]): FloatTensor {
  const entry = part.index === undefined ? part.shape : part.shape.slice(1);
  const rowLength = entry.slice(1).reduce((a, b) => a * b, 1);
  const entryLength = entry[0] * rowLength;
  const [first, end] = part.rows ?? [0, entry[0]];
  const offset = (part.index ?? 0) * entryLength + first * rowLength;
  return {
    shape,
    get data() {
      return whole.data.subarray(offset, offset + (end - first) * rowLength);
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
}

/** Copies the keys that are present, so Rook's config parser applies its own defaults to the rest. */
export function presentKeys(json: Record<string, unknown>, keys: readonly string[]): Record<string, unknown> {
  return Object.fromEntries(keys.filter((key) => json[key] !== undefined && json[key] !== null).map((key) => [key, json[key]]));
}
