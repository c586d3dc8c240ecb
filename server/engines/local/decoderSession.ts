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

/**
 * The shared-layout caches of several sequences as rows of one buffer per layer (`[rows, kvHeads, context, headDim]`),
 * so that one run can decode a token of each: GroupQueryAttention reads each row's own length from the attention
 * mask. Allocated on first use; pages the sequences never reach are never touched, so never resident.
 */
export class KvRowBuffer {
  private layers?: { key: Float32Array; value: Float32Array }[];

  constructor(
    private readonly config: ModelConfig,
    readonly rows: number,
  ) {}

  private get rowSize(): number {
    return this.config.numKvHeads * this.config.contextLength * this.config.headDim;
  }

  /** Tensors over rows `from` to `from + count - 1`, as a run's past inputs and present outputs. */
  view(from: number, count: number): LayerCache[] {
    const { numLayers, numKvHeads, contextLength, headDim } = this.config;
    this.layers ??= Array.from({ length: numLayers }, () => ({ key: new Float32Array(this.rows * this.rowSize), value: new Float32Array(this.rows * this.rowSize) }));
    const dims = [count, numKvHeads, contextLength, headDim];
    const part = (data: Float32Array) => new ort.Tensor('float32', data.subarray(from * this.rowSize, (from + count) * this.rowSize), dims);
    return this.layers.map((layer) => ({ key: part(layer.key), value: part(layer.value) }));
  }
}

export class DecoderSession {
  /** Allocated on first use, so a cache that `clear` emptied holds no memory until it is used again. */
  private past?: LayerCache[];
  private cachedLength = 0;
  /** Whether the graph takes `logits_to_keep` (graphs built before it give the last position's logits only). */
  readonly keepsLogits: boolean;

  /** With `shared`, the cache is row `row` of that buffer (the shared layout), rather than a buffer of its own. */
  constructor(
    private readonly session: ort.InferenceSession,
    private readonly config: ModelConfig,
    private readonly layout: KvCacheLayout = 'shared',
    private readonly shared?: { buffer: KvRowBuffer; row: number },
  ) {
    this.keepsLogits = session.inputNames.includes(logitsToKeepInput);
  }

  /**
   * One run that appends one token to each of `steps`' sessions, all rows of one buffer over one session: returns
   * each one's logits, in order. The rows between them that take no step are fed a placeholder token at their own
   * length, beyond what they hold, so that the rows form one contiguous batch without changing any cached position
   * (a full row gives up its last position for it).
   */
  static async forwardRows(steps: readonly { session: DecoderSession; token: number }[], sessionsByRow: readonly DecoderSession[]): Promise<Float32Array[]> {
    const { buffer, row: first } = steps.reduce((lowest, step) => (step.session.shared!.row < lowest.row ? step.session.shared! : lowest), steps[0].session.shared!);
    const last = Math.max(...steps.map((step) => step.session.shared!.row));
    const { contextLength, vocabSize } = sessionsByRow[0].config;
    const tokens = new Map(steps.map((step) => [step.session.shared!.row, step.token]));
    const count = last - first + 1;
    for (let row = first; row <= last; row++) {
      const session = sessionsByRow[row];
      if (session.cachedLength >= contextLength) {
        if (tokens.has(row)) throw new RangeError(`sequence of ${session.cachedLength + 1} tokens exceeds the model's context of ${contextLength}`);
        session.cachedLength = contextLength - 1;
      }
    }
    const lengths = Array.from({ length: count }, (_, i) => sessionsByRow[first + i].cachedLength + 1);
    const total = Math.max(...lengths);
    const mask = new BigInt64Array(count * total);
    lengths.forEach((length, i) => mask.fill(1n, i * total, i * total + length));
    const ids = BigInt64Array.from({ length: count }, (_, i) => BigInt(tokens.get(first + i) ?? 0));
    const feeds: Record<string, ort.Tensor> = {
      input_ids: new ort.Tensor('int64', ids, [count, 1]),
      attention_mask: new ort.Tensor('int64', mask, [count, total]),
    };
    if (sessionsByRow[first].keepsLogits) feeds[logitsToKeepInput] = new ort.Tensor('int64', BigInt64Array.of(1n), [1]);
    const fetches: Record<string, ort.Tensor | null> = { logits: null };
    buffer.view(first, count).forEach((layer, i) => {
      feeds[`past_key_values.${i}.key`] = fetches[`present.${i}.key`] = layer.key;
      feeds[`past_key_values.${i}.value`] = fetches[`present.${i}.value`] = layer.value;
    });
    const outputs = await sessionsByRow[first].session.run(feeds, fetches);
    const logits = outputs.logits.data as Float32Array;
    return steps.map((step) => {
      step.session.cachedLength++;
      const index = step.session.shared!.row - first;
      return logits.subarray(index * vocabSize, (index + 1) * vocabSize);
    });
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
    const past = this.shared ? this.shared.buffer.view(this.shared.row, 1) : (this.past ??= this.emptyCache());
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

  /** Empties the cache and frees its memory (a buffer of its own; a row of a `KvRowBuffer` stays allocated). */
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
