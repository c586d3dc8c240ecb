/**
 * Causal grouped-query attention as standard ops (plus ONNX Runtime's FusedMatMul and RotaryEmbedding), for decoding
 * from a long cache: the query heads that share a KV head are one matrix product against it, so K and V are read once
 * per KV head, not once per query head as GroupQueryAttention's CPU kernel reads them; and the cache is an input only.
 * The run returns the new positions' keys and values (`appended.{i}.key/value`, `[batch, kvHeads, seq, headDim]`),
 * which the engine writes into its buffer, so no run copies the whole cache back out, as onnxruntime-node does with
 * every bound output (bench/engine/README.md has both costs measured).
 *
 * The past input is the engine's buffer as it is, `[batch, kvHeads, capacity, headDim]`: positions at or beyond a row's
 * cached length are masked, whatever they hold.
 */
import { ElementType, type GraphBuilder } from './graphBuilder';
import type { AttentionLengths, AttentionSpec } from './layers';

/** The graph outputs that return a layer's new keys and values. */
export function appendedNames(layer: number): { key: string; value: string } {
  return { key: `appended.${layer}.key`, value: `appended.${layer}.value` };
}

/** What every layer's attention shares in one run: the sizes, positions and masks, built once per graph. */
export interface AttentionGeometry {
  /** Each new position's index in its sequence, `[batch, seq]` int64. */
  positions: string;
  /** Additive masks (0 or -inf): past `[batch, 1, 1, 1 or seq, capacity]`, new `[1, 1, 1, seq, seq]`. */
  masks(window?: number): { past: string; fresh: string };
  /** `[batch, kvHeads, groups, seq, last]` as a shape tensor, `last` one of the named sizes or a number. */
  shape(dims: readonly (string | number)[]): string;
  /** 1-D int64 sizes: batch, seq and the cache's capacity. */
  batch: string;
  seq: string;
  capacity: string;
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
  const scalar = (label: string, x: string) => g.op('Squeeze', `/attn_geometry/${label}/Squeeze`, [x, g.int64s([0])]);
  const range = (label: string, size: string) => g.op('Range', `/attn_geometry/${label}/Range`, [g.int64s([0], []), scalar(label, size), g.int64s([1], [])]);
  const valid = g.op('Add', '/attn_geometry/valid', [g.op('Cast', '/attn_geometry/valid/Cast', [lengths.seqlensK], { to: { i: ElementType.int64 } }), g.int64s([1], [])]);
  const past = g.op('Sub', '/attn_geometry/past', [valid, seq]);
  const pastIndex = range('past_index', capacity);
  const freshIndex = range('fresh_index', seq);
  // p < the row's cached length: `[batch, 1, capacity]`.
  const cached = g.op('Less', '/attn_geometry/cached', [g.op('Unsqueeze', '/attn_geometry/past_index/row', [pastIndex, g.int64s([0, 1])]), g.op('Unsqueeze', '/attn_geometry/past/column', [past, g.int64s([1, 2])])]);
  // t' <= t: `[seq, seq]`.
  const freshRow = g.op('Unsqueeze', '/attn_geometry/fresh_index/row', [freshIndex, g.int64s([0])]);
  const freshColumn = g.op('Unsqueeze', '/attn_geometry/fresh_index/column', [freshIndex, g.int64s([1])]);
  const causal = g.op('LessOrEqual', '/attn_geometry/causal', [freshRow, freshColumn]);
  const additive = (label: string, allowed: string, axes: number[]) =>
    g.op('Unsqueeze', `/attn_geometry/${label}/Unsqueeze`, [g.op('Where', `/attn_geometry/${label}/Where`, [allowed, g.floats([0]), g.floats([-Infinity])]), g.int64s(axes)]);
  const masks = new Map<number, { past: string; fresh: string }>();
  const shapes = new Map<string, string>();
  const sizes: Record<string, string> = { batch, seq, capacity };
  return {
    positions,
    batch,
    seq,
    capacity,
    masks(window = 0) {
      let found = masks.get(window);
      if (!found) {
        if (window === 0) {
          found = { past: additive('past_mask', cached, [1, 2]), fresh: additive('fresh_mask', causal, [0, 1, 2]) };
        } else {
          // Within the window: the position is less than `window` behind the query's.
          const w = g.int64s([window], []);
          const pastStart = g.op('Unsqueeze', `/attn_geometry/window_${window}/start`, [g.op('Sub', `/attn_geometry/window_${window}/Sub`, [positions, w]), g.int64s([2])]);
          const pastInWindow = g.op('Greater', `/attn_geometry/window_${window}/past`, [g.op('Unsqueeze', `/attn_geometry/window_${window}/past_index`, [pastIndex, g.int64s([0, 1])]), pastStart]);
          const pastAllowed = g.op('And', `/attn_geometry/window_${window}/past_allowed`, [cached, pastInWindow]);
          const freshInWindow = g.op('Greater', `/attn_geometry/window_${window}/fresh`, [freshRow, g.op('Sub', `/attn_geometry/window_${window}/fresh_start`, [freshColumn, w])]);
          const freshAllowed = g.op('And', `/attn_geometry/window_${window}/fresh_allowed`, [causal, freshInWindow]);
          found = { past: additive(`window_${window}/past_mask`, pastAllowed, [1, 2]), fresh: additive(`window_${window}/fresh_mask`, freshAllowed, [0, 1, 2]) };
        }
        masks.set(window, found);
      }
      return found;
    },
    shape(dims) {
      const key = dims.join(',');
      let found = shapes.get(key);
      if (!found) {
        const parts = dims.map((d) => (typeof d === 'number' ? g.int64s([d]) : sizes[d]));
        found = g.op('Concat', `/attn_geometry/shape_${shapes.size}`, parts, { axis: { i: 0 } });
        shapes.set(key, found);
      }
      return found;
    },
  };
}

/**
 * One layer's attention: `q`, `k`, `v` `[batch, seq, heads * headDim]`, unrotated when `rotary` is given (the same
 * cos/sin tables GroupQueryAttention takes); the past key/value inputs; the names the new keys and values get as
 * graph outputs. Matches GroupQueryAttention's arithmetic: scores scaled, soft-capped (c·tanh(s/c)), windowed, with a
 * sink logit joining each head's softmax denominator where the spec has sinks.
 */
export function headGroupAttention(
  g: GraphBuilder,
  name: string,
  qkv: { q: string; k: string; v: string },
  past: { key: string; value: string },
  appended: { key: string; value: string },
  geometry: AttentionGeometry,
  rotary: { cos: string; sin: string } | undefined,
  spec: AttentionSpec & { headDim: number },
): string {
  const { numHeads, numKvHeads: kvHeads, headDim } = spec;
  const groups = numHeads / kvHeads;
  const rotate = (label: string, x: string) =>
    rotary ? g.op('RotaryEmbedding', `${name}/${label}/RotaryEmbedding`, [x, geometry.positions, rotary.cos, rotary.sin], { interleaved: { i: 0 } }, { domain: 'com.microsoft' }) : x;
  // Queries `[batch, kvHeads, groups * seq, headDim]`: a KV head's query heads, each with all its positions, as rows.
  const q5 = g.op('Reshape', `${name}/q/groups`, [rotate('q', qkv.q), g.int64s([0, 0, kvHeads, groups, headDim])]);
  const q = g.op('Reshape', `${name}/q/rows`, [g.op('Transpose', `${name}/q/Transpose`, [q5], { perm: { ints: [0, 2, 3, 1, 4] } }), g.int64s([0, 0, -1, headDim])]);
  const headsSecond = (label: string, x: string, outputName: string) =>
    g.op('Transpose', `${name}/${label}/Transpose`, [g.op('Reshape', `${name}/${label}/heads`, [x, g.int64s([0, 0, kvHeads, headDim])])], { perm: { ints: [0, 2, 1, 3] } }, { outputNames: [outputName] });
  const k = headsSecond('k', rotate('k', qkv.k), appended.key);
  const v = headsSecond('v', qkv.v, appended.value);
  const { past: pastMask, fresh: freshMask } = geometry.masks(spec.window);
  const scores = (label: 'past' | 'fresh', keys: string, last: 'capacity' | 'seq', mask: string) => {
    let s = g.op('FusedMatMul', `${name}/${label}/scores`, [q, keys], { transB: { i: 1 }, alpha: { f: spec.scale } }, { domain: 'com.microsoft' });
    if (spec.softcap > 0) {
      const tanh = g.op('Tanh', `${name}/${label}/softcap/Tanh`, [g.op('Div', `${name}/${label}/softcap/Div`, [s, g.floats([spec.softcap])])]);
      s = g.op('Mul', `${name}/${label}/softcap/Mul`, [tanh, g.floats([spec.softcap])]);
    }
    const s5 = g.op('Reshape', `${name}/${label}/scores5`, [s, geometry.shape(['batch', kvHeads, groups, 'seq', last])]);
    return g.op('Add', `${name}/${label}/masked`, [s5, mask]);
  };
  const parts = [scores('past', past.key, 'capacity', pastMask), scores('fresh', k, 'seq', freshMask)];
  const splitSizes = [geometry.capacity, geometry.seq];
  if (spec.sinks) {
    const perHead = g.op('Reshape', `${name}/sinks/heads`, [spec.sinks, g.int64s([1, kvHeads, groups, 1, 1])]);
    parts.push(g.op('Expand', `${name}/sinks/Expand`, [perHead, geometry.shape(['batch', kvHeads, groups, 'seq', 1])]));
    splitSizes.push(g.int64s([1]));
  }
  const probabilities = g.op('Softmax', `${name}/Softmax`, [g.op('Concat', `${name}/scores/Concat`, parts, { axis: { i: -1 } })], { axis: { i: -1 } });
  const sizes = g.op('Concat', `${name}/split_sizes`, splitSizes, { axis: { i: 0 } });
  const [pPast, pFresh] = g.node('Split', `${name}/Split`, [probabilities, sizes], { axis: { i: -1 } }, { outputs: splitSizes.length });
  const weighted = (label: 'past' | 'fresh', p: string, last: 'capacity' | 'seq', values: string) =>
    g.op('MatMul', `${name}/${label}/MatMul`, [g.op('Reshape', `${name}/${label}/rows`, [p, geometry.shape(['batch', kvHeads, -1, last])]), values]);
  const out = g.op('Add', `${name}/output/Add`, [weighted('past', pPast, 'capacity', past.value), weighted('fresh', pFresh, 'seq', v)]);
  const out5 = g.op('Reshape', `${name}/output/groups`, [out, g.int64s([0, 0, groups, -1, headDim])]);
  return g.op('Reshape', `${name}/output/flatten`, [g.op('Transpose', `${name}/output/Transpose`, [out5], { perm: { ints: [0, 3, 1, 2, 4] } }), g.int64s([0, 0, -1])]);
}
