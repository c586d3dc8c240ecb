/**
 * GGUF files laid out as llama.cpp's tools lay out each file type, for fixtures that Rook's exporter writes with its
 * own encoders (`kQuants.ts`, `quant.ts`) and llama.cpp then judges: which type each tensor gets.
 * - `convert_hf_to_gguf.py --outtype f32|f16|bf16`: every matrix in that type, the router (`ffn_gate_inp`) F32.
 * - `llama-quantize` to Q8_0, Q4_0, Q4_K_S, Q5_K_S, Q6_K: every matrix in the type (token embedding included: it is
 *   only looked up), except the router, which llama-quantize never quantizes, and `output.weight`, which it makes
 *   Q6_K for every type but Q8_0. The `_M` mixtures' extra Q6_K layers (attn_v, ffn_down) are left out, so that
 *   each file tests one format.
 * - MXFP4 (`MXFP4_MOE`, gpt-oss's own layout): the expert tensors MXFP4, every other matrix Q8_0.
 * Vectors (norms, biases, sinks) stay F32 in every file type.
 */
import type { TensorTypeChoice } from '../../server/model/gguf/export';
import type { GgufTensorType } from '../../server/model/gguf/write';

export const ggufFileTypes = ['F32', 'F16', 'BF16', 'Q8_0', 'Q4_0', 'Q4_K', 'Q5_K', 'Q6_K', 'MXFP4'] as const;
export type GgufFileType = (typeof ggufFileTypes)[number];

/** Whether a GGUF tensor name is an expert stack (`blk.N.ffn_{gate,up,down}_exps.weight`). */
export const isExpertTensor = (name: string) => /\.ffn_(gate|up|down)_exps\.weight$/.test(name);

/** The type llama.cpp's tools give each tensor of a `fileType` file: the matrices as above, vectors and the router F32. */
export function ggufFileTypeLayout(fileType: GgufFileType): TensorTypeChoice {
  return ({ name, linear }) => {
    if (!linear && name !== 'token_embd.weight' && name !== 'output.weight') return 'F32';
    if (fileType === 'F32' || fileType === 'F16' || fileType === 'BF16' || fileType === 'Q8_0') return fileType;
    if (fileType === 'MXFP4') return isExpertTensor(name) ? 'MXFP4' : 'Q8_0';
    if (name === 'output.weight') return 'Q6_K';
    return fileType satisfies GgufTensorType;
  };
}
