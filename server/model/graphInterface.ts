/**
 * The names of a decoder graph's inputs and outputs that the engine feeds and reads (onnxruntime-genai's layout, and
 * the head-group graphs' appended keys and values). The graph builder and the engine both take them from here, which
 * imports nothing, so that the engine need not load the builder to run a graph.
 */

export interface KvNames {
  key: string;
  value: string;
}

/** The input of a graph built for the engine that asks for the logits of more than the last position. */
export const logitsToKeepInput = 'logits_to_keep';

/** A layer's past key and value inputs: the cache before the run. */
export function pastNames(layer: number): KvNames {
  return { key: `past_key_values.${layer}.key`, value: `past_key_values.${layer}.value` };
}

/** A GroupQueryAttention graph's present outputs: the whole cache after the run. */
export function presentNames(layer: number): KvNames {
  return { key: `present.${layer}.key`, value: `present.${layer}.value` };
}

/** A head-group graph's outputs: the keys and values of the run's new positions only. */
export function appendedNames(layer: number): KvNames {
  return { key: `appended.${layer}.key`, value: `appended.${layer}.value` };
}

/** Whether a graph with these outputs returns only the new positions' keys and values (a head-group graph). */
export function returnsAppendedKv(outputNames: readonly string[]): boolean {
  return outputNames.includes(appendedNames(0).key);
}
