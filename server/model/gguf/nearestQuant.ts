/**
 * What `--quant match` (a `.gguf` used directly as a model) makes of each weight: the MatMulNBits kind that holds its
 * GGUF block type exactly (`exactBlocks.ts`: int4 for Q4_0 and Q4_K, int8 for Q8_0, Q5_K, Q6_K and MXFP4), per
 * tensor, so a file's mixture (Q4_K_M's Q6_K layers, MXFP4 experts beside Q8_0 attention) keeps every number.
 * Float weights (F32, F16, BF16, and whatever a checkpoint folder holds) stay float32.
 */
import type { QuantChoice, QuantType } from '../quant';
import type { FloatTensor } from '../tensor';
import { exactForm } from './exactBlocks';
import { isBlockType, type GgufReadType } from './read';

/** The quantization that holds a tensor of GGUF `type` exactly. */
export function nearestQuant(type: GgufReadType): QuantType {
  if (!isBlockType(type)) return 'none';
  return exactForm(type).bits === 8 ? 'int8' : 'int4';
}

/** The quantization `choice` gives `weight`. */
export function weightQuant(weight: FloatTensor, choice: QuantChoice = 'none'): QuantType {
  if (choice !== 'match') return choice;
  return weight.blocks ? nearestQuant(weight.blocks.type) : 'none';
}
