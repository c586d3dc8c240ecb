/**
 * Causal grouped-query attention whose KV cache is an input only: a run returns the new positions' keys and values
 * (`appended.{i}.key/value`, `[batch, kvHeads, seq, headDim]`), which the engine writes into its buffer. Nothing is
 * bound as an output, because onnxruntime-node copies every bound output back into a new JavaScript buffer after
 * each run, the whole cache every decoded token. Each layer branches on the run's length (`If`):
 * - a run of one token a sequence (decoding) attends as one matrix product per KV head over the query heads that share
 *   it, so K and V are read once per KV head, where GroupQueryAttention's CPU kernel reads them once per query head;
 * - a short run (up to `shortRunTokens`: a prompt's tail, a continuation to score, a draft to verify) does the same with
 *   a causal mask among its positions;
 * - a longer run (a prompt; one sequence) goes through GroupQueryAttention on the cached positions, sliced out of the
 *   buffer: its causal kernel is the faster one for many queries.
 * bench/engine/README.md has the costs measured.
 *
 * The past input is the engine's buffer as it is, `[batch, kvHeads, capacity, headDim]`: positions at or beyond a row's
 * cached length are masked (decoding) or sliced off (prompts), whatever they hold. A layer with a sliding window reads
 * only the positions some row's window reaches (`windowSpan`), not the whole buffer.
 */
import type { KvNames } from '../graphInterface';
import { ElementType, type GraphBuilder } from './graphBuilder';
import { groupQueryAttention, type AttentionLengths, type AttentionSpec } from './layers';

/** What every layer's attention shares in one run, built once per graph. */
export interface AttentionGeometry {
  lengths: AttentionLengths;
  /** Each new position's index in its sequence, `[batch, seq]` int64. */
  positions: string;
  /** Positions each row holds before the run, `[batch]` int64. */
  past: string;
  /** Whether the run is longer than one token (a scalar bool). */
  run: string;
  /** Whether it is longer than `shortRunTokens` (a scalar bool). */
  long: string;
  /** Sizes, 1-D int64: the batch, the run's tokens. */
  batch: string;
  seq: string;
  /**
   * The cached positions a run reads, `[1, n]` int64, and whether each is cached in each row, `[batch, n]` bool: the
   * whole buffer, or with `window`, `windowSpan(window)`'s positions. Built once a run for each window.
   */
  visible(window?: number): { index: string; cached: string };
  /**
   * A decoding run's additive mask (0 or -inf) over the positions it reads: cached positions, `[batch, 1, 1, capacity]`;
   * with `window`, those within it, over `windowSpan(window)`'s positions.
   */
  pastMask(window?: number): string;
  /** A 1-D int64 tensor of the batch size then `dims`. */
  shape(dims: readonly number[]): string;
  /** The cache's capacity, 1-D int64. */
  capacity: string;
  /**
   * The cached positions a run under a sliding `window` can see, `[start, end)` as 1-D int64 and its `length`: from the
   * window start of the row with the fewest cached positions to the end of the row with the most (each row's mask cuts
   * the rest), at least one position, within the capacity.
   */
  windowSpan(window: number): { start: string; end: string; length: string };
  /**
   * The sizes a decoding run's scores split into: the cached positions (the capacity, or `windowSpan(window)`'s length),
   * the new one, and the sink where there is one.
   */
  splitSizes(sinks: boolean, window?: number): string;
}

/**
 * `positions` are the new positions' indices (`positionIds`); `pastKey` any layer's past key input (every layer's
 * buffer has the same capacity).
 */
export function attentionGeometry(g: GraphBuilder, lengths: AttentionLengths, positions: string, inputIds: string, pastKey: string): AttentionGeometry {
  const dim = (label: string, of: string, axis: number) => g.op('Gather', `/attn_geometry/${label}`, [g.op('Shape', `/attn_geometry/${label}/Shape`, [of]), g.int64s([axis])], { axis: { i: 0 } });
  const batch = dim('batch', inputIds, 0);
  const seq = dim('seq', inputIds, 1);
  const capacity = dim('capacity', pastKey, 2);
  const valid = g.op('Add', '/attn_geometry/valid', [g.op('Cast', '/attn_geometry/valid/Cast', [lengths.seqlensK], { to: { i: ElementType.int64 } }), g.int64s([1], [])]);
  const past = g.op('Sub', '/attn_geometry/past', [valid, seq]);
  const seqScalar = g.op('Squeeze', '/attn_geometry/seq/Squeeze', [seq, g.int64s([0])]);
  const run = g.op('Greater', '/attn_geometry/run', [seqScalar, g.int64s([1], [])]);
  const long = g.op('Greater', '/attn_geometry/long', [seqScalar, g.int64s([shortRunTokens], [])]);
  const pastIndex = g.op('Unsqueeze', '/attn_geometry/past_index', [
    g.op('Range', '/attn_geometry/past_index/Range', [g.int64s([0], []), g.op('Squeeze', '/attn_geometry/capacity/Squeeze', [capacity, g.int64s([0])]), g.int64s([1], [])]),
    g.int64s([0]),
  ]);
  const pastColumn = g.op('Unsqueeze', '/attn_geometry/past/column', [past, g.int64s([1])]);
  // p < the row's cached length: `[batch, capacity]`.
  const cached = g.op('Less', '/attn_geometry/cached', [pastIndex, pastColumn]);
  const visibles = new Map<number, { index: string; cached: string }>([[0, { index: pastIndex, cached }]]);
  const masks = new Map<number, string>();
  const shapes = new Map<string, string>();
  const splits = new Map<string, string>();
  const spans = new Map<number, { start: string; end: string; length: string }>();
  const windowSpan = (window: number) => {
    let span = spans.get(window);
    if (!span) {
      const label = `/attn_geometry/window_${window}/span`;
      const fewest = g.op('ReduceMin', `${label}/fewest`, [past], { keepdims: { i: 1 } });
      const most = g.op('ReduceMax', `${label}/most`, [past], { keepdims: { i: 1 } });
      const start = g.op('Max', `${label}/start`, [g.op('Sub', `${label}/first`, [fewest, g.int64s([window - 1])]), g.int64s([0])]);
      const end = g.op('Min', `${label}/end`, [g.op('Max', `${label}/last`, [most, g.op('Add', `${label}/one`, [start, g.int64s([1])])]), capacity]);
      span = { start, end, length: g.op('Sub', `${label}/length`, [end, start]) };
      spans.set(window, span);
    }
    return span;
  };
  const visible = (window = 0) => {
    let found = visibles.get(window);
    if (!found) {
      const label = `/attn_geometry/window_${window}/visible`;
      const { start, end } = windowSpan(window);
      const scalar = (x: string, part: string) => g.op('Squeeze', `${label}/${part}`, [x, g.int64s([0])]);
      const index = g.op('Unsqueeze', `${label}/index`, [g.op('Range', `${label}/Range`, [scalar(start, 'start'), scalar(end, 'end'), g.int64s([1], [])]), g.int64s([0])]);
      found = { index, cached: g.op('Less', `${label}/cached`, [index, pastColumn]) };
      visibles.set(window, found);
    }
    return found;
  };
  return {
    lengths,
    positions,
    past,
    run,
    long,
    batch,
    seq,
    capacity,
    visible,
    pastMask(window = 0) {
      let mask = masks.get(window);
      if (!mask) {
        const label = window === 0 ? 'past_mask' : `window_${window}`;
        const seen = visible(window);
        // The new position is the row's cached length; within the window, a position is less than `window` behind it.
        const allowed =
          window === 0
            ? seen.cached
            : g.op('And', `/attn_geometry/${label}/And`, [seen.cached, g.op('Greater', `/attn_geometry/${label}/Greater`, [seen.index, g.op('Sub', `/attn_geometry/${label}/first`, [pastColumn, g.int64s([window], [])])])]);
        const additive = g.op('Where', `/attn_geometry/${label}/Where`, [allowed, g.floats([0]), g.floats([-Infinity])]);
        mask = g.op('Unsqueeze', `/attn_geometry/${label}/Unsqueeze`, [additive, g.int64s([1, 2])]);
        masks.set(window, mask);
      }
      return mask;
    },
    windowSpan,
    splitSizes(sinks, window = 0) {
      const key = `${sinks}/${window}`;
      let found = splits.get(key);
      if (!found) {
        const cachedPart = window === 0 ? capacity : windowSpan(window).length;
        found = g.op('Concat', `/attn_geometry/split_sizes${window === 0 ? '' : `_window_${window}`}${sinks ? '_with_sink' : ''}`, [cachedPart, g.int64s(sinks ? [1, 1] : [1])], { axis: { i: 0 } });
        splits.set(key, found);
      }
      return found;
    },
    shape(dims) {
      const key = dims.join(',');
      let found = shapes.get(key);
      if (!found) {
        found = g.op('Concat', `/attn_geometry/shape_${shapes.size}`, [batch, g.int64s([...dims])], { axis: { i: 0 } });
        shapes.set(key, found);
      }
      return found;
    },
  };
}

/** Runs of more tokens a sequence than this go through GroupQueryAttention (see the file's header). */
export const shortRunTokens = 64;

type Qkv = { q: string; k: string; v: string };
type Rotary = { cos: string; sin: string } | undefined;
type HeadSpec = AttentionSpec & { headDim: number };

/**
 * One layer's attention: `q`, `k`, `v` `[batch, seq, heads * headDim]`, rotated here where `rotary` holds the cos/sin
 * tables GroupQueryAttention takes (or already); the past key/value inputs (the same buffer where the value is the
 * key); the graph output names of the new keys and values. The product branches match GroupQueryAttention's
 * arithmetic: scores scaled, soft-capped (c·tanh(s/c)), causal, windowed, with a sink logit joining each head's
 * softmax denominator where the spec has sinks.
 */
export function headGroupAttention(g: GraphBuilder, name: string, qkv: Qkv, past: KvNames, appended: KvNames, geometry: AttentionGeometry, rotary: Rotary, spec: HeadSpec): string {
  const runBranch = g.branch(`${name}/run`, (b) => {
    const longBranch = b.branch(`${name}/long`, (c) => longRunAttention(c, `${name}/long`, qkv, past, geometry, rotary, spec));
    const shortBranch = b.branch(`${name}/short`, (c) => shortRunAttention(c, `${name}/short`, qkv, past, geometry, rotary, spec));
    return b.node('If', `${name}/run/If`, [geometry.long], { then_branch: { graph: longBranch }, else_branch: { graph: shortBranch } }, { outputs: 3 });
  });
  const decodeBranch = g.branch(`${name}/decode`, (b) => decodeAttention(b, `${name}/decode`, qkv, past, geometry, rotary, spec));
  const [output] = g.node('If', `${name}/If`, [geometry.run], { then_branch: { graph: runBranch }, else_branch: { graph: decodeBranch } }, { outputNames: [`${name}/output`, appended.key, appended.value] });
  return output;
}

/**
 * A longer run (a prompt or a chunk of one; one sequence) through GroupQueryAttention on the cached positions, sliced
 * out of the buffer. Under a sliding window, only from the first position the run's first query reaches: the kernel
 * multiplies the queries with every position it is given and applies the window after, so a windowed layer would pay
 * for the whole past at every chunk of a long prompt (and multiply whatever lies outside the window). The kernel's own
 * rotary embedding counts positions from the start of what it is given, so q and k are rotated here then. Returns the
 * output `[batch, seq, heads * headDim]` and the new keys and values `[batch, kvHeads, seq, headDim]`.
 */
function longRunAttention(b: GraphBuilder, name: string, qkv: Qkv, past: KvNames, geometry: AttentionGeometry, rotary: Rotary, spec: HeadSpec): string[] {
  let start = b.int64s([0]);
  let lengths = geometry.lengths;
  let inputs = qkv;
  let kernelRotary = rotary;
  if (spec.window) {
    start = geometry.windowSpan(spec.window).start;
    const skipped = b.op('Cast', `${name}/window/skipped`, [start], { to: { i: ElementType.int32 } });
    lengths = {
      seqlensK: b.op('Sub', `${name}/window/seqlens_k`, [lengths.seqlensK, skipped]),
      totalSequenceLength: b.op('Sub', `${name}/window/total_seq_len`, [lengths.totalSequenceLength, b.op('Squeeze', `${name}/window/skipped/Squeeze`, [skipped, b.int64s([0])])]),
    };
    inputs = { q: rotated(b, `${name}/q`, qkv.q, geometry, rotary), k: rotated(b, `${name}/k`, qkv.k, geometry, rotary), v: qkv.v };
    kernelRotary = undefined;
  }
  const cached = (label: string, x: string) => b.op('Slice', `${name}/${label}/cached`, [x, start, geometry.past, b.int64s([2])]);
  const present = { key: `${name}/present_key`, value: `${name}/present_value` };
  const output = groupQueryAttention(b, `${name}/GroupQueryAttention`, inputs, { key: cached('key', past.key), value: cached('value', past.value) }, present, lengths, kernelRotary, spec);
  // The present holds the sliced positions, then the run's.
  const held = spec.window ? b.op('Sub', `${name}/window/held`, [geometry.past, start]) : geometry.past;
  const fresh = (label: string, x: string) => b.op('Slice', `${name}/${label}/fresh`, [x, held, b.int64s([Number.MAX_SAFE_INTEGER]), b.int64s([2])]);
  return [output, fresh('key', present.key), fresh('value', present.value)];
}

function rotated(b: GraphBuilder, name: string, x: string, geometry: AttentionGeometry, rotary: Rotary): string {
  return rotary ? b.op('RotaryEmbedding', `${name}/RotaryEmbedding`, [x, geometry.positions, rotary.cos, rotary.sin], { interleaved: { i: 0 } }, { domain: 'com.microsoft' }) : x;
}

/** Scaled, soft-capped scores of `q` against `keys` (transposed in the product). */
function scores(b: GraphBuilder, name: string, q: string, keys: string, spec: HeadSpec): string {
  const s = b.op('FusedMatMul', `${name}/scores`, [q, keys], { transB: { i: 1 }, alpha: { f: spec.scale } }, { domain: 'com.microsoft' });
  if (spec.softcap === 0) return s;
  const tanh = b.op('Tanh', `${name}/softcap/Tanh`, [b.op('Div', `${name}/softcap/Div`, [s, b.floats([spec.softcap])])]);
  return b.op('Mul', `${name}/softcap/Mul`, [tanh, b.floats([spec.softcap])]);
}

/** Each query head's sink logit as a column shaped `shape` (`[..., kvHeads, groups, ..., 1]`, heads as `perHead` lays them). */
function sinkColumn(b: GraphBuilder, name: string, sinks: string, perHead: number[], shape: string): string {
  return b.op('Expand', `${name}/sinks/Expand`, [b.op('Reshape', `${name}/sinks/heads`, [sinks, b.int64s(perHead)]), shape]);
}

/** One token a sequence: returns the attention output `[batch, 1, heads * headDim]` and the new key and value `[batch, kvHeads, 1, headDim]`. */
function decodeAttention(b: GraphBuilder, name: string, qkv: Qkv, past: KvNames, geometry: AttentionGeometry, rotary: Rotary, spec: HeadSpec): string[] {
  const { numHeads, numKvHeads: kvHeads, headDim } = spec;
  const groups = numHeads / kvHeads;
  // With one position, `[batch, 1, heads * headDim]` is `[batch, kvHeads, groups, headDim]` as it lies: a KV head's
  // query heads are the rows of one product.
  const q = b.op('Reshape', `${name}/q/groups`, [rotated(b, `${name}/q`, qkv.q, geometry, rotary), b.int64s([0, kvHeads, groups, headDim])]);
  const k = b.op('Reshape', `${name}/k/heads`, [rotated(b, `${name}/k`, qkv.k, geometry, rotary), b.int64s([0, kvHeads, 1, headDim])]);
  const v = b.op('Reshape', `${name}/v/heads`, [qkv.v, b.int64s([0, kvHeads, 1, headDim])]);
  const seen = visiblePast(b, name, past, geometry, spec.window);
  const parts = [b.op('Add', `${name}/past/masked`, [scores(b, `${name}/past`, q, seen.past.key, spec), geometry.pastMask(spec.window)]), scores(b, `${name}/fresh`, q, k, spec)];
  if (spec.sinks) parts.push(sinkColumn(b, name, spec.sinks, [1, kvHeads, groups, 1], geometry.shape([kvHeads, groups, 1])));
  const probabilities = b.op('Softmax', `${name}/Softmax`, [b.op('Concat', `${name}/scores/Concat`, parts, { axis: { i: -1 } })], { axis: { i: -1 } });
  const [pPast, pFresh] = b.node('Split', `${name}/Split`, [probabilities, geometry.splitSizes(spec.sinks !== undefined, spec.window)], { axis: { i: -1 } }, { outputs: parts.length });
  const out = b.op('Add', `${name}/output/Add`, [b.op('MatMul', `${name}/past/MatMul`, [pPast, seen.past.value]), b.op('MatMul', `${name}/fresh/MatMul`, [pFresh, v])]);
  return [b.op('Reshape', `${name}/output/flatten`, [out, b.int64s([0, 1, numHeads * headDim])]), k, v];
}

/**
 * A few tokens a sequence (2 to `shortRunTokens`: a prompt's tail after the cached part, a continuation to score, a
 * draft to verify): as `decodeAttention`, each KV head's query heads with all their positions as the rows of one
 * product, plus a causal mask among the new positions. GroupQueryAttention would need the cached positions sliced out
 * of the buffer and copied into its present output, two copies of the whole cache a run. Returns the output `[batch,
 * seq, heads * headDim]` and the new keys and values `[batch, kvHeads, seq, headDim]`.
 */
function shortRunAttention(b: GraphBuilder, name: string, qkv: Qkv, past: KvNames, geometry: AttentionGeometry, rotary: Rotary, spec: HeadSpec): string[] {
  const { numHeads, numKvHeads: kvHeads, headDim } = spec;
  const groups = numHeads / kvHeads;
  const { batch, seq } = geometry;
  const shape = (label: string, parts: string[]) => b.op('Concat', `${name}/${label}/shape`, parts, { axis: { i: 0 } });
  const masks = shortRunMasks(b, `${name}/mask`, geometry, spec.window ?? 0);
  const seen = visiblePast(b, name, past, geometry, spec.window);
  // Queries `[batch, kvHeads, groups * seq, headDim]`.
  const q5 = b.op('Reshape', `${name}/q/groups`, [rotated(b, `${name}/q`, qkv.q, geometry, rotary), b.int64s([0, 0, kvHeads, groups, headDim])]);
  const q = b.op('Reshape', `${name}/q/rows`, [b.op('Transpose', `${name}/q/Transpose`, [q5], { perm: { ints: [0, 2, 3, 1, 4] } }), b.int64s([0, 0, -1, headDim])]);
  const headsSecond = (label: string, x: string) => b.op('Transpose', `${name}/${label}/Transpose`, [b.op('Reshape', `${name}/${label}/heads`, [x, b.int64s([0, 0, kvHeads, headDim])])], { perm: { ints: [0, 2, 1, 3] } });
  const k = headsSecond('k', rotated(b, `${name}/k`, qkv.k, geometry, rotary));
  const v = headsSecond('v', qkv.v);
  const groupsShape = (label: string, last: string) => shape(label, [batch, b.int64s([kvHeads, groups]), seq, last]);
  const masked = (label: 'past' | 'fresh', keys: string, last: string, mask: string) =>
    b.op('Add', `${name}/${label}/masked`, [b.op('Reshape', `${name}/${label}/scores5`, [scores(b, `${name}/${label}`, q, keys, spec), groupsShape(`${label}/scores5`, last)]), mask]);
  const parts = [masked('past', seen.past.key, seen.length, masks.past), masked('fresh', k, seq, masks.fresh)];
  if (spec.sinks) parts.push(sinkColumn(b, name, spec.sinks, [1, kvHeads, groups, 1, 1], groupsShape('sinks', b.int64s([1]))));
  const probabilities = b.op('Softmax', `${name}/Softmax`, [b.op('Concat', `${name}/scores/Concat`, parts, { axis: { i: -1 } })], { axis: { i: -1 } });
  const splitSizes = shape('split', [seen.length, seq, ...(spec.sinks ? [b.int64s([1])] : [])]);
  const [pPast, pFresh] = b.node('Split', `${name}/Split`, [probabilities, splitSizes], { axis: { i: -1 } }, { outputs: parts.length });
  const weighted = (label: 'past' | 'fresh', p: string, last: string, values: string) =>
    b.op('MatMul', `${name}/${label}/MatMul`, [b.op('Reshape', `${name}/${label}/rows`, [p, shape(`${label}/rows`, [batch, b.int64s([kvHeads, -1]), last])]), values]);
  const out = b.op('Add', `${name}/output/Add`, [weighted('past', pPast, seen.length, seen.past.value), weighted('fresh', pFresh, seq, v)]);
  const out5 = b.op('Reshape', `${name}/output/groups`, [out, b.int64s([0, 0, groups, -1, headDim])]);
  return [b.op('Reshape', `${name}/output/flatten`, [b.op('Transpose', `${name}/output/Transpose`, [out5], { perm: { ints: [0, 3, 1, 2, 4] } }), b.int64s([0, 0, -1])]), k, v];
}

/**
 * The cache as a decoding or short run reads it, and its number of positions (1-D int64). Without a window, the whole
 * buffer. Under a sliding window, only `windowSpan`'s positions, sliced out: a copy of about `window` positions a row,
 * where the products over the whole buffer would read and multiply every cached position (gpt-oss's window is 128 in
 * a context of 131,072).
 */
function visiblePast(b: GraphBuilder, name: string, past: KvNames, geometry: AttentionGeometry, window = 0): { past: KvNames; length: string } {
  if (window === 0) return { past, length: geometry.capacity };
  const span = geometry.windowSpan(window);
  const positionsOf = (label: string, x: string) => b.op('Slice', `${name}/window/${label}`, [x, span.start, span.end, b.int64s([2])]);
  const key = positionsOf('key', past.key);
  return { past: { key, value: past.value === past.key ? key : positionsOf('value', past.value) }, length: span.length };
}

/**
 * Additive masks (0 or -inf) of a short run: over the cached positions it reads `[batch, 1, 1, 1 or seq, n]` (the row's
 * cached positions of the buffer, or within `window` of each query over `windowSpan(window)`'s) and among the new
 * positions `[1, 1, 1, seq, seq]` (causal).
 */
function shortRunMasks(b: GraphBuilder, name: string, geometry: AttentionGeometry, window: number): { past: string; fresh: string } {
  const index = b.op('Range', `${name}/fresh_index`, [b.int64s([0], []), b.op('Squeeze', `${name}/seq`, [geometry.seq, b.int64s([0])]), b.int64s([1], [])]);
  const row = b.op('Unsqueeze', `${name}/fresh_index/row`, [index, b.int64s([0])]);
  const column = b.op('Unsqueeze', `${name}/fresh_index/column`, [index, b.int64s([1])]);
  let fresh = b.op('LessOrEqual', `${name}/causal`, [row, column]);
  // `[batch, 1, n]`, or `[batch, seq, n]` with a window.
  const seen = geometry.visible(window);
  let past = b.op('Unsqueeze', `${name}/cached`, [seen.cached, b.int64s([1])]);
  if (window > 0) {
    const w = b.int64s([window], []);
    fresh = b.op('And', `${name}/fresh/window`, [fresh, b.op('Greater', `${name}/fresh/in_window`, [row, b.op('Sub', `${name}/fresh/start`, [column, w])])]);
    const start = b.op('Unsqueeze', `${name}/past/start`, [b.op('Sub', `${name}/past/Sub`, [geometry.positions, w]), b.int64s([2])]);
    const inWindow = b.op('Greater', `${name}/past/in_window`, [b.op('Unsqueeze', `${name}/past/index`, [seen.index, b.int64s([0])]), start]);
    past = b.op('And', `${name}/past/window`, [past, inWindow]);
  }
  const additive = (label: string, allowed: string, axes: number[]) =>
    b.op('Unsqueeze', `${name}/${label}/Unsqueeze`, [b.op('Where', `${name}/${label}/Where`, [allowed, b.floats([0]), b.floats([-Infinity])]), b.int64s(axes)]);
  return { past: additive('past', past, [1, 2]), fresh: additive('fresh', fresh, [0, 1, 2]) };
}
