/**
 * Grok's decoder computed token by token in float64, from config.json's knobs and the checkpoint's weights, as
 * `training/model.py` defines it: h = embed(ids)·m_e; per layer h += [post_norm](attn(pre_norm(h))),
 * h += [post_norm](moe(pre_norm(h))); logits = norm(h)·Eᵀ·m_o. Attention: GQA, rotate-half RoPE over the full head,
 * s = c·tanh(scale·q·k / c), causal softmax. MoE: softmax over capped router logits, top-k (renormalized or not),
 * GeGLU (tanh or erf GELU) or SwiGLU experts. Grok-2's parts as SGLang's grok.py computes them: a residual MLP added
 * to the experts' sum, both times 1/√2; the attention logits of a query at position p > L times log2(p)/log2(L)
 * before the cap (its attention kernels' `xai_temperature_len`); the logits capped as c·tanh(l/c). Written from the
 * formulas, not from the ONNX builder, so that a knob the builder drops or misreads shows as a difference.
 */
import type { ModelConfig } from '../../server/model/config';
import { decoderTensorNames } from '../../server/model/arch/decoder';
import type { FloatTensor, Weights } from '../../server/model/tensor';

type Vector = Float64Array;

export function matVec(m: FloatTensor, v: ArrayLike<number>): Vector {
  const [rows, cols] = m.shape;
  const out = new Float64Array(rows);
  for (let r = 0; r < rows; r++) {
    let sum = 0;
    for (let c = 0; c < cols; c++) sum += m.data[r * cols + c] * v[c];
    out[r] = sum;
  }
  return out;
}

function rmsNorm(x: Vector, scale: FloatTensor, eps: number): Vector {
  const meanSquare = x.reduce((sum, v) => sum + v * v, 0) / x.length;
  const r = 1 / Math.sqrt(meanSquare + eps);
  return x.map((v, i) => v * r * scale.data[i]);
}

/** Abramowitz–Stegun 7.1.26 (absolute error below 1.5e-7). */
function erf(x: number): number {
  const t = 1 / (1 + 0.3275911 * Math.abs(x));
  const poly = t * (0.254829592 + t * (-0.284496736 + t * (1.421413741 + t * (-1.453152027 + t * 1.061405429))));
  return Math.sign(x) * (1 - poly * Math.exp(-x * x));
}

/** An expert's activation of its gate projection: SiLU, or GELU in its erf or tanh form. */
export function activation(kind: 'geglu' | 'swiglu' | 'swiglu_clamped', geluApproximation: 'tanh' | 'none', v: number): number {
  if (kind === 'swiglu') return v / (1 + Math.exp(-v));
  if (geluApproximation === 'none') return 0.5 * v * (1 + erf(v / Math.SQRT2));
  return 0.5 * v * (1 + Math.tanh(Math.sqrt(2 / Math.PI) * (v + 0.044715 * v ** 3)));
}

const cap = (c: number, v: number) => (c > 0 ? c * Math.tanh(v / c) : v);

/** Rotate-half RoPE of one head at `position`: pairs (i, i + d/2), angle position · base^(-2i/d). */
function rope(head: Vector, position: number, base: number): Vector {
  const half = head.length / 2;
  const out = new Float64Array(head.length);
  for (let i = 0; i < half; i++) {
    const angle = position * Math.pow(base, (-2 * i) / head.length);
    const [cos, sin] = [Math.cos(angle), Math.sin(angle)];
    out[i] = head[i] * cos - head[i + half] * sin;
    out[i + half] = head[i + half] * cos + head[i] * sin;
  }
  return out;
}

function attention(config: ModelConfig, weights: Weights, layer: number, xs: Vector[]): Vector[] {
  const names = decoderTensorNames.layer(layer);
  const { numHeads, numKvHeads, headDim, ropeBase } = config;
  const heads = (v: Vector, count: number, position: number) => Array.from({ length: count }, (_, h) => rope(v.subarray(h * headDim, (h + 1) * headDim), position, ropeBase));
  const qs = xs.map((x, p) => heads(matVec(weights.get(names.q)!, x), numHeads, p));
  const ks = xs.map((x, p) => heads(matVec(weights.get(names.k)!, x), numKvHeads, p));
  const vs = xs.map((x) => matVec(weights.get(names.v)!, x));
  return xs.map((_, p) => {
    const out = new Float64Array(numHeads * headDim);
    for (let h = 0; h < numHeads; h++) {
      const kv = Math.floor(h / (numHeads / numKvHeads));
      const length = config.attentionTemperatureLength;
      const temperature = length > 0 && p > length ? Math.log2(p) / Math.log2(length) : 1;
      const scores = Array.from({ length: p + 1 }, (_, t) => cap(config.attentionSoftcap, temperature * config.attentionScale * qs[p][h].reduce((sum, q, i) => sum + q * ks[t][kv][i], 0)));
      const max = Math.max(...scores);
      const exp = scores.map((s) => Math.exp(s - max));
      const total = exp.reduce((a, b) => a + b, 0);
      for (let t = 0; t <= p; t++) for (let i = 0; i < headDim; i++) out[h * headDim + i] += (exp[t] / total) * vs[t][kv * headDim + i];
    }
    return matVec(weights.get(names.o)!, out);
  });
}

function mixture(config: ModelConfig, weights: Weights, layer: number, x: Vector): Vector {
  const names = decoderTensorNames.layer(layer);
  const logits = Array.from(matVec(weights.get(names.router)!, x), (l) => cap(config.routerSoftcap, l));
  const max = Math.max(...logits);
  const exp = logits.map((l) => Math.exp(l - max));
  const total = exp.reduce((a, b) => a + b, 0);
  const top = exp.map((value, e) => ({ e, p: value / total })).sort((a, b) => b.p - a.p || a.e - b.e).slice(0, config.numExpertsPerToken);
  const norm = config.routerRenormalize ? top.reduce((sum, t) => sum + t.p, 0) : 1;
  const out = new Float64Array(x.length);
  const mlp = (gate: string, up: string, down: string, weight: number) => {
    const upped = matVec(weights.get(up)!, x);
    const inner = matVec(weights.get(gate)!, x).map((v, i) => activation(config.expertActivation, config.geluApproximation, v) * upped[i]);
    matVec(weights.get(down)!, inner).forEach((v, i) => (out[i] += weight * v));
  };
  for (const { e, p } of top) mlp(names.expertGate(e), names.expertUp(e), names.expertDown(e), p / norm);
  if (config.sharedExpertFfnSize > 0) mlp(names.sharedGate, names.sharedUp, names.sharedDown, 1);
  return out.map((v) => v * config.expertSumMultiplier);
}

/** Logits `[position][vocab]` of `ids`. */
export function grokReferenceLogits(config: ModelConfig, weights: Weights, ids: number[]): Vector[] {
  const embedding = weights.get(decoderTensorNames.embedding)!;
  const d = config.hiddenSize;
  let hs = ids.map((id) => Float64Array.from(embedding.data.subarray(id * d, (id + 1) * d), (v) => v * config.embeddingMultiplier));
  const sandwich = config.normPlacement === 'sandwich';
  for (let layer = 0; layer < config.numLayers; layer++) {
    const names = decoderTensorNames.layer(layer);
    const attended = attention(config, weights, layer, hs.map((h) => rmsNorm(h, weights.get(names.preAttnNorm)!, config.rmsNormEps)));
    hs = hs.map((h, p) => {
      const a = sandwich ? rmsNorm(attended[p], weights.get(names.postAttnNorm)!, config.rmsNormEps) : attended[p];
      return h.map((v, i) => v + a[i]);
    });
    hs = hs.map((h) => {
      const m0 = mixture(config, weights, layer, rmsNorm(h, weights.get(names.preMoeNorm)!, config.rmsNormEps));
      const m = sandwich ? rmsNorm(m0, weights.get(names.postMoeNorm)!, config.rmsNormEps) : m0;
      return h.map((v, i) => v + m[i]);
    });
  }
  const output = config.tiedOutput ? embedding : weights.get(decoderTensorNames.output)!;
  return hs.map((h) => matVec(output, rmsNorm(h, weights.get(decoderTensorNames.finalNorm)!, config.rmsNormEps)).map((v) => cap(config.finalLogitSoftcap, v * config.outputMultiplier)));
}
