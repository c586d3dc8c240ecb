/**
 * What a checkpoint format contributes to a conversion: Rook's config from the checkpoint's own `config.json`, and
 * the checkpoint's name for each tensor Rook's Grok-family graph needs (`grokTensorNames`).
 */
import type { FieldNaming, ModelConfig } from '../config';

export interface CheckpointFormat {
  /** For messages: "Hugging Face Grok-1". */
  label: string;
  modelConfig(json: Record<string, unknown>, file: string): ModelConfig;
  /** How its config.json names Rook's config fields, for messages; absent when the names are Rook's. */
  naming?: FieldNaming;
  /** The checkpoint's name of the tensor Rook calls `rookName`. */
  sourceName(rookName: string): string;
}

/** Copies the keys that are present, so Rook's config parser applies its own defaults to the rest. */
export function presentKeys(json: Record<string, unknown>, keys: readonly string[]): Record<string, unknown> {
  return Object.fromEntries(keys.filter((key) => json[key] !== undefined && json[key] !== null).map((key) => [key, json[key]]));
}
