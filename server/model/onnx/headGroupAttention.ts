/**
 * Causal grouped-query attention whose KV cache is an input only: a run returns the new positions' keys and values
 * (`appended.{i}.key/value`, `[batch, kvHeads, seq, headDim]`), which the engine writes into its buffer. Nothing is
 * bound as an output, because onnxruntime-node copies every bound output back into a new JavaScript buffer after
 * each run, the whole cache every decoded token. Each layer branches on the run's length (`If`):
 * - a run of one token a sequence (decoding) attends as one matrix product per KV head over the query heads that share
 *   it, so K and V are read once per KV head, where GroupQueryAttention's CPU kernel reads them once per query head;
 * - a longer run (a prompt, or a draft to verify; one sequence) goes through GroupQueryAttention on the cached
 *   positions, whose causal kernel is the faster one for many queries.
 * bench/engine/README.md has the costs measured.
 *
 * The past input is the engine's buffer as it is, `[batch, kvHeads, capacity, headDim]`: positions at or beyond a row's
 * cached length are masked (decoding) or sliced off (prompts), whatever they hold.
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
  prompt: string;
  /** A decoding run's additive mask (0 or -inf), `[batch, 1, 1, capacity]`: cached positions, within `window` if given. */
  pastMask(window?: number): string;
  /** A 1-D int64 tensor of the batch size then `dims`. */
  shape(dims: readonly number[]): string;
  /** The cache's capacity, 1-D int64. */
  capacity: string;
  /** The sizes a decoding run's scores split into: the cached positions, the new one, and the sink where there is one. */
  splitSizes(sinks: boolean): string;
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
  const prompt = g.op('Greater', '/attn_geometry/prompt', [g.op('Squeeze', '/attn_geometry/seq/Squeeze', [seq, g.int64s([0])]), g.int64s([1], [])]);
  const pastIndex = g.op('Unsqueeze', '/attn_geometry/past_index', [
    g.op('Range', '/attn_geometry/past_index/Range', [g.int64s([0], []), g.op('Squeeze', '/attn_geometry/capacity/Squeeze', [capacity, g.int64s([0])]), g.int64s([1], [])]),
    g.int64s([0]),
  ]);
  const pastColumn = g.op('Unsqueeze', '/attn_geometry/past/column', [past, g.int64s([1])]);
  // p < the row's cached length: `[batch, capacity]`.
  const cached = g.op('Less', '/attn_geometry/cached', [pastIndex, pastColumn]);
  const masks = new Map<number, string>();
  const shapes = new Map<string, string>();
  const splits = new Map<boolean, string>();
  return {
    lengths,
    positions,
    past,
    prompt,
    capacity,
    pastMask(window = 0) {
      let mask = masks.get(window);
      if (!mask) {
        const label = window === 0 ? 'past_mask' : `window_${window}`;
        // The new position is the row's cached length; within the window, a position is less than `window` behind it.
        const allowed = window === 0 ? cached : g.op('And', `/attn_geometry/${label}/And`, [cached, g.op('Greater', `/attn_geometry/${label}/Greater`, [pastIndex, g.op('Sub', `/attn_geometry/${label}/start`, [pastColumn, g.int64s([window], [])])])]);
        const additive = g.op('Where', `/attn_geometry/${label}/Where`, [allowed, g.floats([0]), g.floats([-Infinity])]);
        mask = g.op('Unsqueeze', `/attn_geometry/${label}/Unsqueeze`, [additive, g.int64s([1, 2])]);
        masks.set(window, mask);
      }
      return mask;
    },
    splitSizes(sinks) {
      let found = splits.get(sinks);
      if (!found) {
        found = g.op('Concat', `/attn_geometry/split_sizes${sinks ? '_with_sink' : ''}`, [capacity, g.int64s(sinks ? [1, 1] : [1])], { axis: { i: 0 } });
        splits.set(sinks, found);
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

/**
 * One layer's attention: `q`, `k`, `v` `[batch, seq, heads * headDim]`, rotated here where `rotary` holds the cos/sin
 * tables GroupQueryAttention takes (or already); the past key/value inputs (the same buffer where the value is the key); the graph output names of the new keys and values. The
 * decoding branch matches GroupQueryAttention's arithmetic: scores scaled, soft-capped (c·tanh(s/c)), windowed, with a
 * sink logit joining each head's softmax denominator where the spec has sinks.
 */
export function headGroupAttention(
  g: GraphBuilder,
  name: string,
  qkv: { q: string; k: string; v: string },
  past: KvNames,
  appended: KvNames,
  geometry: AttentionGeometry,
  rotary: { cos: string; sin: string } | undefined,
  spec: AttentionSpec & { headDim: number },
): string {
  const promptBranch = g.branch(`${name}/prompt`, (b) => {
    const cached = (label: string, x: string) => b.op('Slice', `${name}/prompt/${label}/cached`, [x, b.int64s([0]), geometry.past, b.int64s([2])]);
    const present = { key: `${name}/prompt/present_key`, value: `${name}/prompt/present_value` };
    const output = groupQueryAttention(b, `${name}/prompt/GroupQueryAttention`, qkv, { key: cached('key', past.key), value: cached('value', past.value) }, present, geometry.lengths, rotary, spec);
    const fresh = (label: string, x: string) => b.op('Slice', `${name}/prompt/${label}/fresh`, [x, geometry.past, b.int64s([Number.MAX_SAFE_INTEGER]), b.int64s([2])]);
    return [output, fresh('key', present.key), fresh('value', present.value)];
  });
  const decodeBranch = g.branch(`${name}/decode`, (b) => decodeAttention(b, `${name}/decode`, qkv, past, geometry, rotary, spec));
  const [output] = g.node('If', `${name}/If`, [geometry.prompt], { then_branch: { graph: promptBranch }, else_branch: { graph: decodeBranch } }, { outputNames: [`${name}/output`, appended.key, appended.value] });
  return output;
}

/** One token a sequence: returns the attention output `[batch, 1, heads * headDim]` and the new key and value `[batch, kvHeads, 1, headDim]`. */
function decodeAttention(
  b: GraphBuilder,
  name: string,
  qkv: { q: string; k: string; v: string },
  past: { key: string; value: string },
  geometry: AttentionGeometry,
  rotary: { cos: string; sin: string } | undefined,
  spec: AttentionSpec & { headDim: number },
): string[] {
  const { numHeads, numKvHeads: kvHeads, headDim } = spec;
  const groups = numHeads / kvHeads;
  const rotate = (label: string, x: string) =>
    !rotary ? x : b.op('RotaryEmbedding', `${name}/${label}/RotaryEmbedding`, [x, geometry.positions, rotary.cos, rotary.sin], { interleaved: { i: 0 } }, { domain: 'com.microsoft' });
  // With one position, `[batch, 1, heads * headDim]` is `[batch, kvHeads, groups, headDim]` as it lies: a KV head's
  // query heads are the rows of one product.
  const q = b.op('Reshape', `${name}/q/groups`, [rotate('q', qkv.q), b.int64s([0, kvHeads, groups, headDim])]);
  const k = b.op('Reshape', `${name}/k/heads`, [rotate('k', qkv.k), b.int64s([0, kvHeads, 1, headDim])]);
  const v = b.op('Reshape', `${name}/v/heads`, [qkv.v, b.int64s([0, kvHeads, 1, headDim])]);
  const scores = (label: 'past' | 'fresh', keys: string) => {
    const s = b.op('FusedMatMul', `${name}/${label}/scores`, [q, keys], { transB: { i: 1 }, alpha: { f: spec.scale } }, { domain: 'com.microsoft' });
    if (spec.softcap === 0) return s;
    const tanh = b.op('Tanh', `${name}/${label}/softcap/Tanh`, [b.op('Div', `${name}/${label}/softcap/Div`, [s, b.floats([spec.softcap])])]);
    return b.op('Mul', `${name}/${label}/softcap/Mul`, [tanh, b.floats([spec.softcap])]);
  };
  const parts = [b.op('Add', `${name}/past/masked`, [scores('past', past.key), geometry.pastMask(spec.window)]), scores('fresh', k)];
  if (spec.sinks) {
    const perHead = b.op('Reshape', `${name}/sinks/heads`, [spec.sinks, b.int64s([1, kvHeads, groups, 1])]);
    parts.push(b.op('Expand', `${name}/sinks/Expand`, [perHead, geometry.shape([kvHeads, groups, 1])]));
  }
  const probabilities = b.op('Softmax', `${name}/Softmax`, [b.op('Concat', `${name}/scores/Concat`, parts, { axis: { i: -1 } })], { axis: { i: -1 } });
  const [pPast, pFresh] = b.node('Split', `${name}/Split`, [probabilities, geometry.splitSizes(spec.sinks !== undefined)], { axis: { i: -1 } }, { outputs: parts.length });
  const out = b.op('Add', `${name}/output/Add`, [b.op('MatMul', `${name}/past/MatMul`, [pPast, past.value]), b.op('MatMul', `${name}/fresh/MatMul`, [pFresh, v])]);
  return [b.op('Reshape', `${name}/output/flatten`, [out, b.int64s([0, 1, numHeads * headDim])]), k, v];
}
