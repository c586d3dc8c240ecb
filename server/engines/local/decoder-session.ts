/**
 * One ONNX Runtime session over a decoder graph in onnxruntime-genai's layout, holding the KV cache of a single
 * sequence between calls: `forward` appends tokens and returns their logits; `truncate` drops cached positions so
 * a new request can keep the prefix it shares with the previous one.
 */
import * as ort from 'onnxruntime-node';
import type { ModelConfig } from '../../model/config';

export class DecoderSession {
  private past: { key: ort.Tensor; value: ort.Tensor }[];
  private cachedLength = 0;

  constructor(
    private readonly session: ort.InferenceSession,
    private readonly config: ModelConfig,
  ) {
    this.past = this.emptyCache();
  }

  /** Positions held in the KV cache. */
  get length(): number {
    return this.cachedLength;
  }

  private emptyCache(): { key: ort.Tensor; value: ort.Tensor }[] {
    const dims = [1, this.config.numKvHeads, 0, this.config.headDim];
    return Array.from({ length: this.config.numLayers }, () => ({
      key: new ort.Tensor('float32', new Float32Array(0), dims),
      value: new ort.Tensor('float32', new Float32Array(0), dims),
    }));
  }

  /** Runs `tokens` after the cached positions; returns logits `[tokens.length * vocab]` (row per token). */
  async forward(tokens: readonly number[]): Promise<Float32Array> {
    const total = this.cachedLength + tokens.length;
    if (total > this.config.contextLength) throw new RangeError(`sequence of ${total} tokens exceeds the model's context of ${this.config.contextLength}`);
    const feeds: Record<string, ort.Tensor> = {
      input_ids: new ort.Tensor('int64', BigInt64Array.from(tokens, BigInt), [1, tokens.length]),
      attention_mask: new ort.Tensor('int64', new BigInt64Array(total).fill(1n), [1, total]),
    };
    this.past.forEach((layer, i) => {
      feeds[`past_key_values.${i}.key`] = layer.key;
      feeds[`past_key_values.${i}.value`] = layer.value;
    });
    const outputs = await this.session.run(feeds);
    this.past = this.past.map((_, i) => ({ key: outputs[`present.${i}.key`], value: outputs[`present.${i}.value`] }));
    this.cachedLength = total;
    return outputs.logits.data as Float32Array;
  }

  /** Keeps only the first `length` cached positions. */
  truncate(length: number): void {
    if (length >= this.cachedLength) return;
    if (length === 0) {
      this.past = this.emptyCache();
    } else {
      const { numKvHeads, headDim } = this.config;
      const keep = (tensor: ort.Tensor) => {
        const source = tensor.data as Float32Array;
        const out = new Float32Array(numKvHeads * length * headDim);
        for (let h = 0; h < numKvHeads; h++) {
          out.set(source.subarray(h * this.cachedLength * headDim, (h * this.cachedLength + length) * headDim), h * length * headDim);
        }
        return new ort.Tensor('float32', out, [1, numKvHeads, length, headDim]);
      };
      this.past = this.past.map((layer) => ({ key: keep(layer.key), value: keep(layer.value) }));
    }
    this.cachedLength = length;
  }

  async release(): Promise<void> {
    await this.session.release();
  }
}
