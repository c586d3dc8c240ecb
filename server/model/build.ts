/**
 * Turns a model folder's `config.json` + `model.safetensors` into the `model.onnx` the local engine runs, its linear
 * layers optionally quantized to int8 / int4 (`QuantOptions`, see quant.ts).
 */
import * as fs from 'node:fs';
import * as path from 'node:path';
import { buildGrokGraph } from './arch/grok';
import { readModelConfig } from './config';
import type { QuantOptions } from './quant';
import { readSafetensors } from './safetensors';

export const modelFiles = { config: 'config.json', weights: 'model.safetensors', onnx: 'model.onnx', tokenizer: 'tokenizer.json', gguf: 'model.gguf' } as const;

export function buildOnnxModel(folder: string, options: QuantOptions = {}): string {
  const config = readModelConfig(path.join(folder, modelFiles.config));
  const weightsFile = path.join(folder, modelFiles.weights);
  const weights = readSafetensors(weightsFile);
  const graph = buildGrokGraph(config, weights, weightsFile, options);
  const out = path.join(folder, modelFiles.onnx);
  fs.writeFileSync(out, graph.serialize(`rook-${config.architecture}`));
  return out;
}
