/**
 * The quantization a GGUF converts to when nobody chose one (a `.gguf` used directly as a model, `rook convert
 * --quant match`): the block format ONNX Runtime runs that is nearest to what the file's weight matrices hold.
 * Converting a Q4_K_M file to float32 would make it 7x larger on disk and in memory; to int4 it stays about its size.
 */
import type { QuantType } from '../quant';
import type { GgufReadType, GgufTensorInfo } from './read';

/** ONNX Runtime's MatMulNBits kinds by the GGUF type they are nearest to (8-bit for 5- and 6-bit K-quants: no loss). */
const nearest: Record<GgufReadType, QuantType> = {
  F32: 'none',
  F16: 'none',
  BF16: 'none',
  Q8_0: 'int8',
  Q6_K: 'int8',
  Q5_K: 'int8',
  Q4_0: 'int4',
  Q4_K: 'int4',
  MXFP4: 'int4',
};

/** The embedding and output matrices are float32 in Rook's graph whatever the file holds, so only the others count. */
const keptFloat = new Set(['token_embd.weight', 'output.weight']);

/** The quantization for the type that holds most of the weight matrices' elements. */
export function nearestQuant(tensors: Iterable<GgufTensorInfo>): QuantType {
  const elements = new Map<GgufReadType, number>();
  for (const tensor of tensors) {
    if (tensor.shape.length < 2 || keptFloat.has(tensor.name)) continue;
    elements.set(tensor.type, (elements.get(tensor.type) ?? 0) + tensor.shape.reduce((a, b) => a * b, 1));
  }
  let most: GgufReadType | undefined;
  for (const [type, count] of elements) if (most === undefined || count > elements.get(most)!) most = type;
  return most === undefined ? 'none' : nearest[most];
}
