/** Reads the float32 initializers (weights) stored inside an ONNX model file. */
import * as fs from 'node:fs';
import { onnx } from 'onnx-proto';
import type { FloatTensor } from '../tensor';

export function readFloatInitializers(file: string): Map<string, FloatTensor> {
  let model: onnx.ModelProto;
  try {
    model = onnx.ModelProto.decode(fs.readFileSync(file));
  } catch (error) {
    throw new Error(`${file}: cannot read the ONNX model (${(error as Error).message})`);
  }
  const out = new Map<string, FloatTensor>();
  for (const tensor of model.graph?.initializer ?? []) {
    if (tensor.dataType !== onnx.TensorProto.DataType.FLOAT || !tensor.rawData?.byteLength) continue;
    const raw = tensor.rawData;
    const data = new Float32Array(raw.byteLength / 4);
    Buffer.from(data.buffer).set(raw);
    out.set(tensor.name ?? '', { shape: (tensor.dims ?? []).map(Number), data });
  }
  return out;
}
