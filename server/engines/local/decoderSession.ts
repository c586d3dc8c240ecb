/**
 * One ONNX Runtime session over a decoder graph in onnxruntime-genai's layout, holding the KV cache of a single
 * sequence between calls: `forward` appends tokens and returns their logits; `truncate` drops cached positions so
 * a new request can keep the prefix it shares with the previous one.
 */
import * as ort from 'onnxruntime-node';
import { logitsToKeepInput } from '../../model/arch/decoder';
import type { ModelConfig } from '../../model/config';

/**
 * How the KV cache is held between runs.
 * - `shared`: one buffer per layer sized for the whole context, passed to GroupQueryAttention both as past input and
 *   as pre-allocated present output. The node sees the same memory and appends the new positions in place (its
 *   past/present share-buffer mode); positions past the cached length are ignored, so truncation is free. Without
 *   it every step copies the whole cache into a fresh present tensor, which dominates decode once the cache is long
 *   (bench/engine/README.md has the measured gain; logits are bit-identical). CPU only: other providers run the
 *   node on device copies, which cannot share memory.
 * - `growing`: the present outputs, one position longer per token, become the next run's past.
 */
export type KvCacheLayout = 'shared' | 'growing';

interface LayerCache {
  key: ort.Tensor;
  value: ort.Tensor;
}

export class DecoderSession {
  /** Allocated on first use, so a cache that `clear` emptied holds no memory until it is used again. */
  private past?: LayerCache[];
  private cachedLength = 0;
  /** Whether the graph takes `logits_to_keep` (graphs built before it give the last position's logits only). */
  readonly keepsLogits: boolean;

  constructor(
    private readonly session: ort.InferenceSession,
    private readonly config: ModelConfig,
    private readonly layout: KvCacheLayout = 'shared',
  ) {
    this.keepsLogits = session.inputNames.includes(logitsToKeepInput);
  }

  /** Positions held in the KV cache. */
  get length(): number {
    return this.cachedLength;
  }

  private emptyCache(): LayerCache[] {
    const positions = this.layout === 'shared' ? this.config.contextLength : 0;
    const dims = [1, this.config.numKvHeads, positions, this.config.headDim];
    const size = this.config.numKvHeads * positions * this.config.headDim;
    return Array.from({ length: this.config.numLayers }, () => ({
      key: new ort.Tensor('float32', new Float32Array(size), dims),
      value: new ort.Tensor('float32', new Float32Array(size), dims),
    }));
  }

  /**
   * Runs `tokens` after the cached positions; returns the logits the graph computes: the last `keep` tokens'
   * `[keep * vocab]` (graphs as built for the engine; `keep` > 1 needs `keepsLogits`), or one row per token
   * `[tokens.length * vocab]` (graphs built for scoring).
   */
  async forward(tokens: readonly number[], keep = 1): Promise<Float32Array> {
    if (keep > 1 && !this.keepsLogits) throw new RangeError(`this graph gives only the last position's logits, not ${keep}`);
    if (keep > tokens.length) throw new RangeError(`logits of ${keep} positions asked of a run of ${tokens.length}`);
    const total = this.cachedLength + tokens.length;
    if (total > this.config.contextLength) throw new RangeError(`sequence of ${total} tokens exceeds the model's context of ${this.config.contextLength}`);
    const feeds: Record<string, ort.Tensor> = {
      input_ids: new ort.Tensor('int64', BigInt64Array.from(tokens, BigInt), [1, tokens.length]),
      attention_mask: new ort.Tensor('int64', new BigInt64Array(total).fill(1n), [1, total]),
    };
    if (this.keepsLogits) feeds[logitsToKeepInput] = new ort.Tensor('int64', BigInt64Array.of(BigInt(keep)), [1]);
    const fetches: Record<string, ort.Tensor | null> = { logits: null };
    const past = (this.past ??= this.emptyCache());
    past.forEach((layer, i) => {
      feeds[`past_key_values.${i}.key`] = layer.key;
      feeds[`past_key_values.${i}.value`] = layer.value;
      fetches[`present.${i}.key`] = this.layout === 'shared' ? layer.key : null;
      fetches[`present.${i}.value`] = this.layout === 'shared' ? layer.value : null;
    });
    const outputs = await this.session.run(feeds, fetches);
    if (this.layout === 'growing') this.past = past.map((_, i) => ({ key: outputs[`present.${i}.key`], value: outputs[`present.${i}.value`] }));
    this.cachedLength = total;
    return outputs.logits.data as Float32Array;
  }

  /** Keeps only the first `length` cached positions. */
  truncate(length: number): void {
    if (length >= this.cachedLength) return;
    if (this.layout === 'growing') this.past = length === 0 ? undefined : this.past!.map((layer) => ({ key: this.keep(layer.key, length), value: this.keep(layer.value, length) }));
    this.cachedLength = length;
  }

  /** Empties the cache and frees its memory (a shared buffer is otherwise kept for reuse). */
  clear(): void {
    this.past = undefined;
    this.cachedLength = 0;
  }

  /** The first `length` positions of a growing cache tensor `[1, kvHeads, cachedLength, headDim]`. */
  private keep(tensor: ort.Tensor, length: number): ort.Tensor {
    const { numKvHeads, headDim } = this.config;
    const source = tensor.data as Float32Array;
    const out = new Float32Array(numKvHeads * length * headDim);
    for (let h = 0; h < numKvHeads; h++) {
      out.set(source.subarray(h * this.cachedLength * headDim, (h * this.cachedLength + length) * headDim), h * length * headDim);
    }
    return new ort.Tensor('float32', out, [1, numKvHeads, length, headDim]);
  }

  async release(): Promise<void> {
    await this.session.release();
  }
}
