/**
 * Turns a model folder's `config.json` + `model.safetensors` into the `model.onnx` the local engine runs, its linear
 * layers optionally quantized to int8 / int4 (`QuantOptions`, see quant.ts), with the last position's logits or, for
 * scoring text, every position's (`LogitRows`).
 */
import * as fs from 'node:fs';
import * as path from 'node:path';
import { buildDecoderGraph, type GraphOptions } from './arch/decoder';
import { readModelConfig } from './config';
import { modelFiles } from './modelFiles';
import { readSafetensors } from './safetensors';

export function buildOnnxModel(folder: string, options: Omit<GraphOptions, 'externalData'> = {}): string {
  const config = readModelConfig(path.join(folder, modelFiles.config));
  const weightsFile = path.join(folder, modelFiles.weights);
  const weights = readSafetensors(weightsFile);
  const graph = buildDecoderGraph(config, weights, weightsFile, options);
  const out = path.join(folder, modelFiles.onnx);
  fs.writeFileSync(out, graph.serialize(`rook-${config.architecture}`));
  return out;
}
