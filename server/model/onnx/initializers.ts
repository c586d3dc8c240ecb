/**
 * Reads the weights stored inside an ONNX model file: float32 initializers as they are, and the block-quantized
 * weights of MatMulNBits nodes (`<name>.q8` / `<name>.q4` codes with `<name>.scales`, and `<name>.block_offsets`
 * where a GGUF's own blocks have them, as `linear` in layers.ts writes them) as the float values they stand for; experts stacked for one `MoE` / `QMoE` node come back as the
 * per-expert tensors the other form holds (`unstackFusedExperts`). Why both: the embedded model ships quantized, and tests and
 * `rook convert` rebuild other graphs (and GGUF files) from its weights; Q8_0 of d·q gives back the same blocks.
 */
import * as fs from 'node:fs';
import { onnx } from 'onnx-proto';
import type { FloatTensor } from '../tensor';
import { unstackFusedExperts, type StackedCodes } from './layers';

export interface GraphWeights {
  /** Float32 initializers by name, in the layout the graph uses. */
  float: Map<string, FloatTensor>;
  /** Quantized linear weights by their weight name, dequantized to `[out, in]` (the checkpoint's layout). */
  dequantized: Map<string, FloatTensor>;
}

export function readGraphWeights(file: string): GraphWeights {
  let model: onnx.ModelProto;
  try {
    model = onnx.ModelProto.decode(fs.readFileSync(file));
  } catch (error) {
    throw new Error(`${file}: cannot read the ONNX model (${(error as Error).message})`);
  }
  const float = new Map<string, FloatTensor>();
  const codes = new Map<string, { bits: 8 | 4; dims: number[]; raw: Uint8Array }>();
  const stackedCodes = new Map<string, StackedCodes>();
  for (const tensor of model.graph?.initializer ?? []) {
    const raw = tensor.rawData;
    if (!raw?.byteLength) continue;
    const name = tensor.name ?? '';
    if (tensor.dataType === onnx.TensorProto.DataType.FLOAT) {
      const data = new Float32Array(raw.byteLength / 4);
      Buffer.from(data.buffer).set(raw);
      float.set(name, { shape: (tensor.dims ?? []).map(Number), data });
    } else if (tensor.dataType === onnx.TensorProto.DataType.UINT8) {
      const quantized = /^(.*)\.q(8|4)$/.exec(name);
      const stacked = /\.codes(8|4)$/.exec(name);
      if (quantized) codes.set(quantized[1], { bits: Number(quantized[2]) as 8 | 4, dims: (tensor.dims ?? []).map(Number), raw });
      else if (stacked) stackedCodes.set(name, { bits: Number(stacked[1]) as 8 | 4, dims: (tensor.dims ?? []).map(Number), raw });
    }
  }
  const dequantized = new Map<string, FloatTensor>();
  for (const [name, { bits, dims, raw }] of codes) {
    const scales = float.get(`${name}.scales`);
    const [n, blocks, blockBytes] = dims;
    const blockSize = (blockBytes * 8) / bits;
    const offsets = float.get(`${name}.block_offsets`);
    // The dims are checked against the bytes the file holds before they size anything.
    if (!scales || raw.byteLength !== n * blocks * blockBytes || !Number.isInteger(blockSize) || scales.data.length !== n * blocks || (offsets && offsets.data.length !== n * blocks)) {
      throw new Error(`${file}: quantized weight "${name}" has codes of shape [${dims}] that do not match its scales or offsets`);
    }
    const data = new Float32Array(n * blocks * blockSize);
    const zeroPoint = 1 << (bits - 1);
    for (let b = 0; b < n * blocks; b++) {
      const offset = offsets ? offsets.data[(b % blocks) * n + Math.floor(b / blocks)] : 0;
      for (let i = b * blockSize; i < (b + 1) * blockSize; i++) {
        const code = bits === 8 ? raw[i] : i % 2 === 0 ? raw[i >> 1] & 0x0f : raw[i >> 1] >> 4;
        data[i] = scales.data[b] * (code - zeroPoint) - offset;
      }
    }
    dequantized.set(name, { shape: [n, blocks * blockSize], data });
  }
  unstackFusedExperts(float, stackedCodes, dequantized);
  return { float, dequantized };
}
