/**
 * The GGUF form llama.cpp's `llama` architecture loads for Mixtral-style models of the Grok family (pre-norm,
 * SwiGLU experts, renormalized top-k gates, no multipliers or soft-caps): `llama.*` hyperparameters and `blk.N.*`
 * tensors with the experts stacked per layer. llama.cpp's llama graph applies RoPE to interleaved pairs of a head's
 * rows where Hugging Face (and Rook's graph) rotate halves, so q and k rows are permuted as llama.cpp's
 * convert_hf_to_gguf.py does: within each head, row `j * headDim/2 + i` moves to `2i + j`. `options.quant` writes the
 * linear layers as Q8_0 / Q4_0 (blocks run along a row, so the permutation leaves them the ONNX graph's blocks).
 */
import type { ModelConfig } from '../config';
import { ggufLinearType, type GgufTensor, type GgufTensorType, type GgufValue } from '../gguf';
import type { QuantOptions } from '../quant';
import { stack, type FloatTensor, type WeightSource } from '../tensor';
import { checkGrokWeights, grokTensorNames } from './grok';

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
    ['llama.context_length', { u32: config.contextLength }],
    ['llama.embedding_length', { u32: config.hiddenSize }],
    ['llama.block_count', { u32: config.numLayers }],
    ['llama.feed_forward_length', { u32: config.expertFfnSize }],
    ['llama.attention.head_count', { u32: config.numHeads }],
    ['llama.attention.head_count_kv', { u32: config.numKvHeads }],
    ['llama.attention.key_length', { u32: config.headDim }],
    ['llama.attention.value_length', { u32: config.headDim }],
    ['llama.attention.layer_norm_rms_epsilon', { f32: config.rmsNormEps }],
    ['llama.rope.dimension_count', { u32: config.headDim }],
    ['llama.rope.freq_base', { f32: config.ropeBase }],
    ['llama.expert_count', { u32: config.numExperts }],
    ['llama.expert_used_count', { u32: config.numExpertsPerToken }],
  ]);
  const tensor = (name: string, source: FloatTensor, type: GgufTensorType = 'F32'): GgufTensor => ({ name, tensor: source, type });
  const linearType = ggufLinearType(options);
  const get = (name: string): FloatTensor => weights.get(name)!;
  const tensors = [tensor('token_embd.weight', get(grokTensorNames.embedding)), tensor('output_norm.weight', get(grokTensorNames.finalNorm))];
  if (!config.tiedOutput) tensors.push(tensor('output.weight', get(grokTensorNames.output)));
  for (let i = 0; i < config.numLayers; i++) {
    const names = grokTensorNames.layer(i);
    const experts = Array.from({ length: config.numExperts }, (_, j) => j);
    tensors.push(
      tensor(`blk.${i}.attn_norm.weight`, get(names.preAttnNorm)),
      tensor(`blk.${i}.attn_q.weight`, interleaveRopeRows(get(names.q), config.numHeads), linearType),
      tensor(`blk.${i}.attn_k.weight`, interleaveRopeRows(get(names.k), config.numKvHeads), linearType),
      tensor(`blk.${i}.attn_v.weight`, get(names.v), linearType),
      tensor(`blk.${i}.attn_output.weight`, get(names.o), linearType),
      tensor(`blk.${i}.ffn_norm.weight`, get(names.preMoeNorm)),
      tensor(`blk.${i}.ffn_gate_inp.weight`, get(names.router)),
      tensor(`blk.${i}.ffn_gate_exps.weight`, stack(experts.map((j) => get(names.expertGate(j)))), linearType),
      tensor(`blk.${i}.ffn_up_exps.weight`, stack(experts.map((j) => get(names.expertUp(j)))), linearType),
      tensor(`blk.${i}.ffn_down_exps.weight`, stack(experts.map((j) => get(names.expertDown(j)))), linearType),
    );
  }
  return { metadata, tensors };
}
