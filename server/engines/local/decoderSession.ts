/**
 * One ONNX Runtime session over a decoder graph in onnxruntime-genai's layout, holding the KV cache of a single
 * sequence between calls: `forward` appends tokens and returns their logits; `truncate` drops cached positions so
 * a new request can keep the prefix it shares with the previous one.
 */
import * as ort from 'onnxruntime-node';
import { appendedNames, logitsToKeepInput, pastNames, presentNames, returnsAppendedKv, type KvNames } from '../../model/graphInterface';
import { kvCacheShape, type ModelConfig } from '../../model/config';
import { shortRunTokens } from '../../model/onnx/headGroupAttention';

/**
 * How the KV cache is held between runs.
 * - `shared`: one buffer per layer (a `KvRowBuffer`), the past input of every run; positions past a row's cached
 *   length are ignored, so truncation is free. A graph lowered with `headGroupAttention` returns only the new
 *   positions' keys and values, which are written into the buffer after the run; this works on every provider. A
 *   GroupQueryAttention graph is given the buffer as its pre-allocated present output too: the node sees the same
 *   memory and appends the new positions in place (its past/present share-buffer mode). Where the value is the key
 *   (latent attention), keys and values are one buffer: the node writes the same rows to it twice. Without it every
 *   step copies the whole cache into a fresh present tensor, which dominates decode once the cache is long
 *   (bench/engine/README.md has the measured gain; logits are bit-identical). That is CPU only: other providers run
 *   the node on device copies, which cannot share memory.
 * - `growing` (GroupQueryAttention graphs): the present outputs, one position longer per token, become the next
 *   run's past.
 */
export type KvCacheLayout = 'shared' | 'growing';

interface LayerCache {
  key: ort.Tensor;
  value: ort.Tensor;
}

/** The fewest positions a row holds room for. */
const minimumCapacity = 64;

/**
 * The room a buffer takes for `positions`: a power of two up to 256, then the next multiple of 256 above 9/8 of them,
 * so that a run, which reads (or copies back) the whole room, pays for at most an eighth more than is held, and a
 * growing sequence is copied to a larger buffer once every eighth of its length.
 */
export function kvRoom(positions: number, contextLength: number): number {
  const room = positions <= 256 ? Math.max(minimumCapacity, 2 ** Math.ceil(Math.log2(Math.max(positions, 1)))) : Math.ceil((positions * 9) / 8 / 256) * 256;
  return Math.min(contextLength, room);
}

/** What one run's attention scores may take: GroupQueryAttention holds heads × tokens × positions floats. */
const attentionScoresBudgetBytes = 256 * 2 ** 20;

/**
 * Bytes GroupQueryAttention holds per score of a run: a float, and with attention sinks three (its sink path holds two
 * more buffers the scores' size: +514 MiB at a 4k prompt on gpt-oss's shape, 0 without sinks).
 */
function scoreBytes(config: Pick<ModelConfig, 'attentionSinks'>): number {
  return config.attentionSinks ? 12 : 4;
}

/** Where 256 tokens' scores would pass this, memory outweighs the experts' efficiency: a chunk holds fewer tokens. */
const attentionScoresCeilingBytes = 2 ** 30;

/** Runs of `shortRunTokens` or fewer take the products over the whole buffer, slower and larger at long contexts. */
const fewestChunkTokens = 2 * shortRunTokens;

/**
 * The most prompt tokens one run evaluates (engine graphs) when the cache will hold `positions`: as many as keep the
 * attention scores within budget (a whole 4k prompt on 16 heads held 1 GiB), and at least 256, because fewer rows a run
 * leave each expert too few rows to multiply efficiently; unless 256 tokens' scores would pass the ceiling (gpt-oss-20b's
 * 64 heads with sinks past 5,461 positions; 6 GiB at 32k), then as many as stay under it, at least `fewestChunkTokens`.
 * A longer prompt runs in chunks through the cache, at the same arithmetic. bench/engine/README.md has the measurements.
 */
export function promptChunkTokens(config: Pick<ModelConfig, 'numHeads' | 'attentionSinks'>, positions: number): number {
  const tokensWithin = (bytes: number) => Math.floor(bytes / (scoreBytes(config) * config.numHeads * positions));
  return Math.max(tokensWithin(attentionScoresBudgetBytes), Math.min(256, Math.max(fewestChunkTokens, tokensWithin(attentionScoresCeilingBytes))));
}

/**
 * The shared-layout caches of one or several sequences as rows of one buffer per layer (`[rows, heads, capacity,
 * width]`, `kvCacheShape`), so that one run can decode a token of each: the attention reads each row's own length from
 * the attention mask. The capacity follows the longest row (`kvRoom`, up to the context) rather than being the
 * context: a run costs time in proportion to the room, which the head-group attention reads masked and
 * onnxruntime-node copies back after each run where the buffer is a pre-allocated output (64 rows of a
 * 1,024-position context took 16x as long a run as 64 rows of 128, bench/streams/README.md). Growing copies the rows
 * into a larger buffer. Allocated on first use.
 */
export class KvRowBuffer {
  private layers?: { key: Float32Array; value: Float32Array }[];
  /** Positions each row holds room for. */
  private capacity = 0;
  /** Positions held by each row, kept by the row's `DecoderSession`. */
  readonly lengths: Int32Array;
  private readonly shape: ReturnType<typeof kvCacheShape>;

  constructor(
    private readonly config: ModelConfig,
    readonly rows: number,
  ) {
    this.lengths = new Int32Array(rows);
    this.shape = kvCacheShape(config);
  }

  /**
   * Makes room for `positions` in every row (no more than the context): grows to `kvRoom`, or shrinks
   * when the longest row needs a quarter of the room or less, so that a long sequence that ended stops costing the
   * runs after it. Rows keep what they hold.
   */
  fit(positions: number): void {
    const { numLayers, contextLength } = this.config;
    const { heads, width, valueIsKey } = this.shape;
    const needed = Math.max(positions, ...this.lengths);
    const target = kvRoom(needed, contextLength);
    if (this.layers && needed <= this.capacity && (needed * 4 > this.capacity || target >= this.capacity)) return;
    const kept = Math.min(this.capacity, target);
    const resize = (old: Float32Array | undefined) => {
      const data = new Float32Array(this.rows * heads * target * width);
      if (old) {
        for (let block = 0; block < this.rows * heads; block++) {
          data.set(old.subarray(block * this.capacity * width, (block * this.capacity + kept) * width), block * target * width);
        }
      }
      return data;
    };
    this.layers = Array.from({ length: numLayers }, (_, i) => {
      const key = resize(this.layers?.[i].key);
      return { key, value: valueIsKey ? key : resize(this.layers?.[i].value) };
    });
    this.capacity = target;
  }

  /** Tensors over rows `from` to `from + count - 1`, as a run's past inputs and present outputs. */
  view(from: number, count: number): LayerCache[] {
    const { heads, width } = this.shape;
    if (!this.layers) this.fit(0);
    const rowSize = heads * this.capacity * width;
    const dims = [count, heads, this.capacity, width];
    const part = (data: Float32Array) => new ort.Tensor('float32', data.subarray(from * rowSize, (from + count) * rowSize), dims);
    return this.layers!.map((layer) => ({ key: part(layer.key), value: part(layer.value) }));
  }

  /**
   * Writes a run's new keys and values (`appended.{i}.*` outputs, `[count, heads, seq, width]` over rows `from` to
   * `from + count - 1`) into the rows at `starts` (the position each row's first new one goes to; rows absent from
   * `starts` are left as they are).
   */
  append(outputs: ort.InferenceSession.OnnxValueMapType, from: number, seq: number, starts: ReadonlyMap<number, number>): void {
    const { heads, width, valueIsKey } = this.shape;
    const block = seq * width;
    this.layers!.forEach((layer, i) => {
      const names = appendedNames(i);
      // Where the value is the key, both outputs hold the same rows and the buffer is one.
      const parts = valueIsKey ? [[layer.key, names.key] as const] : ([[layer.key, names.key], [layer.value, names.value]] as const);
      for (const [target, name] of parts) {
        const data = outputs[name].data as Float32Array;
        for (const [row, start] of starts) {
          for (let h = 0; h < heads; h++) {
            const source = ((row - from) * heads + h) * block;
            target.set(data.subarray(source, source + block), ((row * heads + h) * this.capacity + start) * width);
          }
        }
      }
    });
  }

  /** Frees the memory; the next `fit` or `view` allocates it again. */
  release(): void {
    this.layers = undefined;
    this.capacity = 0;
    this.lengths.fill(0);
  }
}

/**
 * Feeds layer `i`'s cache as the past and asks for its outputs: the new positions (`appended`, head-group graphs), or
 * the present cache written into the same buffer (`bound`) or returned in a new one (`returned`, the growing layout).
 */
function bindLayer(feeds: Record<string, ort.Tensor>, fetches: Record<string, ort.Tensor | null>, i: number, layer: LayerCache, outputs: 'appended' | 'bound' | 'returned'): void {
  const past = pastNames(i);
  feeds[past.key] = layer.key;
  feeds[past.value] = layer.value;
  const names: KvNames = outputs === 'appended' ? appendedNames(i) : presentNames(i);
  fetches[names.key] = outputs === 'bound' ? layer.key : null;
  fetches[names.value] = outputs === 'bound' ? layer.value : null;
}

export class DecoderSession {
  /** The `growing` layout's cache; a `shared` one lives in `rows`. */
  private past?: LayerCache[];
  private growingLength = 0;
  /** The shared layout's buffer and this sequence's row in it: a buffer of its own unless given one to share. */
  private readonly rows?: { buffer: KvRowBuffer; row: number };
  private readonly ownsBuffer: boolean;
  /** Whether the graph takes `logits_to_keep` (graphs built before it give the last position's logits only). */
  readonly keepsLogits: boolean;
  /** Whether the graph returns only the new positions' keys and values (`headGroupAttention`). */
  readonly appendsKv: boolean;
  private readonly growing: boolean;

  /** With `shared`, the cache is row `row` of that buffer, rather than a buffer of its own. */
  constructor(
    private readonly session: ort.InferenceSession,
    private readonly config: ModelConfig,
    layout: KvCacheLayout = 'shared',
    shared?: { buffer: KvRowBuffer; row: number },
    /** Prompt tokens per run, in place of `promptChunkTokens`'s. */
    private readonly promptChunk?: number,
  ) {
    this.keepsLogits = session.inputNames.includes(logitsToKeepInput);
    this.appendsKv = returnsAppendedKv(session.outputNames);
    this.growing = layout === 'growing' && !this.appendsKv;
    this.ownsBuffer = shared === undefined;
    if (!this.growing) this.rows = shared ?? { buffer: new KvRowBuffer(config, 1), row: 0 };
  }

  private get cachedLength(): number {
    return this.rows ? this.rows.buffer.lengths[this.rows.row] : this.growingLength;
  }

  private set cachedLength(length: number) {
    if (this.rows) this.rows.buffer.lengths[this.rows.row] = length;
    else this.growingLength = length;
  }

  /**
   * One run that appends one token to each of `steps`' sessions, all rows of one buffer over one session: returns
   * each one's logits, in order. The rows between them that take no step are fed a placeholder token at their own
   * length, beyond what they hold, so that the rows form one contiguous batch without changing any cached position
   * (a full row gives up its last position for it).
   */
  static async forwardRows(steps: readonly { session: DecoderSession; token: number }[], sessionsByRow: readonly DecoderSession[]): Promise<Float32Array[]> {
    const rowOf = (session: DecoderSession) => session.rows!.row;
    const { buffer } = steps[0].session.rows!;
    const first = Math.min(...steps.map((step) => rowOf(step.session)));
    const last = Math.max(...steps.map((step) => rowOf(step.session)));
    const { contextLength, vocabSize } = sessionsByRow[0].config;
    const tokens = new Map(steps.map((step) => [rowOf(step.session), step.token]));
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
    buffer.fit(total);
    const mask = new BigInt64Array(count * total);
    lengths.forEach((length, i) => mask.fill(1n, i * total, i * total + length));
    const ids = BigInt64Array.from({ length: count }, (_, i) => BigInt(tokens.get(first + i) ?? 0));
    const feeds: Record<string, ort.Tensor> = {
      input_ids: new ort.Tensor('int64', ids, [count, 1]),
      attention_mask: new ort.Tensor('int64', mask, [count, total]),
    };
    if (sessionsByRow[first].keepsLogits) feeds[logitsToKeepInput] = new ort.Tensor('int64', BigInt64Array.of(1n), [1]);
    const appends = sessionsByRow[first].appendsKv;
    const fetches: Record<string, ort.Tensor | null> = { logits: null };
    buffer.view(first, count).forEach((layer, i) => bindLayer(feeds, fetches, i, layer, appends ? 'appended' : 'bound'));
    const outputs = await sessionsByRow[first].session.run(feeds, fetches);
    if (appends) buffer.append(outputs, first, 1, new Map(steps.map((step) => [rowOf(step.session), step.session.cachedLength])));
    const logits = outputs.logits.data as Float32Array;
    return steps.map((step) => {
      step.session.cachedLength++;
      const index = rowOf(step.session) - first;
      return logits.subarray(index * vocabSize, (index + 1) * vocabSize);
    });
  }

  /** Positions held in the KV cache. */
  get length(): number {
    return this.cachedLength;
  }

  /**
   * Runs `tokens` after the cached positions; returns the logits the graph computes: the last `keep` tokens'
   * `[keep * vocab]` (graphs as built for the engine; `keep` > 1 needs `keepsLogits`), or one row per token
   * `[tokens.length * vocab]` (graphs built for scoring). A long prompt runs in chunks (`promptChunkTokens`), with
   * `betweenChunks` awaited after each but the last.
   */
  async forward(tokens: readonly number[], keep = 1, betweenChunks?: () => Promise<void>): Promise<Float32Array> {
    if (keep > 1 && !this.keepsLogits) throw new RangeError(`this graph gives only the last position's logits, not ${keep}`);
    if (keep > tokens.length) throw new RangeError(`logits of ${keep} positions asked of a run of ${tokens.length}`);
    const total = this.cachedLength + tokens.length;
    if (total > this.config.contextLength) throw new RangeError(`sequence of ${total} tokens exceeds the model's context of ${this.config.contextLength}`);
    // Graphs built for scoring give every position's logits, so only engine graphs (`keepsLogits`) run in chunks; the
    // last chunk holds the `keep` positions asked for.
    const chunk = this.promptChunk ?? promptChunkTokens(this.config, total);
    let start = 0;
    while (this.keepsLogits && tokens.length - start > chunk && tokens.length - start - chunk >= keep) {
      await this.run(tokens.slice(start, start + chunk), 1, total);
      start += chunk;
      await betweenChunks?.();
    }
    return this.run(start === 0 ? tokens : tokens.slice(start), keep, total);
  }

  /** One run of `tokens` after the cache (checked by `forward`), with the shared cache sized for `room` positions once. */
  private async run(tokens: readonly number[], keep: number, room: number): Promise<Float32Array> {
    const total = this.cachedLength + tokens.length;
    const feeds: Record<string, ort.Tensor> = {
      input_ids: new ort.Tensor('int64', BigInt64Array.from(tokens, BigInt), [1, tokens.length]),
      attention_mask: new ort.Tensor('int64', new BigInt64Array(total).fill(1n), [1, total]),
    };
    if (this.keepsLogits) feeds[logitsToKeepInput] = new ort.Tensor('int64', BigInt64Array.of(BigInt(keep)), [1]);
    const fetches: Record<string, ort.Tensor | null> = { logits: null };
    if (this.rows) this.rows.buffer.fit(room);
    const past = this.rows ? this.rows.buffer.view(this.rows.row, 1) : (this.past ??= this.emptyGrowingCache());
    past.forEach((layer, i) => bindLayer(feeds, fetches, i, layer, this.appendsKv ? 'appended' : this.rows ? 'bound' : 'returned'));
    const outputs = await this.session.run(feeds, fetches);
    if (this.appendsKv) this.rows!.buffer.append(outputs, this.rows!.row, tokens.length, new Map([[this.rows!.row, this.cachedLength]]));
    if (this.growing) this.past = past.map((_, i) => ({ key: outputs[presentNames(i).key], value: outputs[presentNames(i).value] }));
    this.cachedLength = total;
    return outputs.logits.data as Float32Array;
  }

  /** Keeps only the first `length` cached positions. */
  truncate(length: number): void {
    if (length >= this.cachedLength) return;
    if (this.growing) this.past = length === 0 ? undefined : this.past!.map((layer) => ({ key: this.keep(layer.key, length), value: this.keep(layer.value, length) }));
    this.cachedLength = length;
  }

  /** Empties the cache and frees its memory (a buffer of its own; a row of a shared `KvRowBuffer` stays allocated). */
  clear(): void {
    this.past = undefined;
    this.cachedLength = 0;
    if (this.rows && this.ownsBuffer) this.rows.buffer.release();
  }

  /** A `growing` cache of no positions, `[1, heads, 0, width]` per layer (`kvCacheShape`). */
  private emptyGrowingCache(): LayerCache[] {
    const { heads, width } = kvCacheShape(this.config);
    const dims = [1, heads, 0, width];
    return Array.from({ length: this.config.numLayers }, () => ({ key: new ort.Tensor('float32', new Float32Array(0), dims), value: new ort.Tensor('float32', new Float32Array(0), dims) }));
  }

  /** The first `length` positions of a growing cache tensor `[1, heads, cachedLength, width]`. */
  private keep(tensor: ort.Tensor, length: number): ort.Tensor {
    const { heads, width } = kvCacheShape(this.config);
    const source = tensor.data as Float32Array;
    const out = new Float32Array(heads * length * width);
    for (let h = 0; h < heads; h++) {
      out.set(source.subarray(h * this.cachedLength * width, (h * this.cachedLength + length) * width), h * length * width);
    }
    return new ort.Tensor('float32', out, [1, heads, length, width]);
  }

  async release(): Promise<void> {
    await this.session.release();
  }
}
