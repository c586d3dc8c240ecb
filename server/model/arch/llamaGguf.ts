/**
 * The GGUF form llama.cpp's `llama` architecture loads for Mixtral-style models of the Grok family (pre-norm,
 * SwiGLU experts, renormalized top-k gates, no multipliers or soft-caps): `llama.*` hyperparameters and `blk.N.*`
 * tensors with the experts stacked per layer. llama.cpp's llama graph applies RoPE to interleaved pairs of a head's
 * rows where Hugging Face (and Rook's graph) rotate halves, so q and k rows are permuted as llama.cpp's
 * convert_hf_to_gguf.py does: within each head, row `j * headDim/2 + i` moves to `2i + j`. `options.quant` writes the
 * linear layers as Q8_0 / Q4_0 (blocks run along a row, so the permutation leaves them the ONNX graph's blocks).
 */
import type { ModelConfig } from '../config';
import type { GgufTensor, GgufValue } from '../gguf';
import type { QuantOptions } from '../quant';
import type { FloatTensor, WeightSource } from '../tensor';
import { checkGrokWeights, moeGgufHyperparameters, moeGgufTensors } from './grok';

/** Moves each head's row `j * headDim/2 + i` (rotate-half order) to `2i + j` (interleaved), or back when `inverse`. */
function permuteRopeRows(tensor: FloatTensor, heads: number, inverse: boolean): FloatTensor {
  const [rows, cols] = tensor.shape;
  const headDim = rows / heads;
  const half = headDim / 2;
  const out = new Float32Array(tensor.data.length);
  for (let h = 0; h < heads; h++) {
    for (let j = 0; j < 2; j++) {
      for (let i = 0; i < half; i++) {
        const halves = (h * headDim + j * half + i) * cols;
        const interleaved = (h * headDim + 2 * i + j) * cols;
        const [from, to] = inverse ? [interleaved, halves] : [halves, interleaved];
        out.set(tensor.data.subarray(from, from + cols), to);
      }
    }
  }
  return { shape: tensor.shape, data: out };
}

/** Rows of a `[heads * headDim, in]` projection reordered from rotate-half to interleaved RoPE pairs. */
export function interleaveRopeRows(tensor: FloatTensor, heads: number): FloatTensor {
  return permuteRopeRows(tensor, heads, false);
}

/** The inverse of `interleaveRopeRows`: a llama GGUF's q/k rows back in rotate-half order. */
export function deinterleaveRopeRows(tensor: FloatTensor, heads: number): FloatTensor {
  return permuteRopeRows(tensor, heads, true);
}

/** Why llama.cpp's llama graph would compute something else for `config`, or undefined when it fits. */
export function llamaGgufMismatch(config: ModelConfig): string | undefined {
  const fits =
    config.normPlacement === 'pre' &&
    config.expertActivation === 'swiglu' &&
    config.routerRenormalize &&
    config.embeddingMultiplier === 1 &&
    config.outputMultiplier === 1 &&
    config.attentionSoftcap === 0 &&
    config.routerSoftcap === 0 &&
    Math.abs(config.attentionScale * Math.sqrt(config.headDim) - 1) < 1e-6;
  return fits ? undefined : "llama.cpp's llama architecture needs pre-norm SwiGLU experts with renormalized gates, no multipliers or soft-caps, and attention scale 1/sqrt(head_dim)";
}

export function llamaGguf(config: ModelConfig, weights: WeightSource, weightsFile: string, options: QuantOptions = {}): { metadata: Map<string, GgufValue>; tensors: GgufTensor[] } {
  checkGrokWeights(config, weights, weightsFile);
  const mismatch = llamaGgufMismatch(config);
  if (mismatch) throw new Error(`${weightsFile}: ${mismatch}`);
  const metadata = new Map<string, GgufValue>([
    ['general.architecture', { str: 'llama' }],
    ['general.name', { str: 'rook-mixtral' }],
    ...moeGgufHyperparameters('llama', config),
  ]);
  return { metadata, tensors: moeGgufTensors(config, weights, options, { sandwichNorms: false, ropeRows: interleaveRopeRows }) };
}
