/** Tiny random Grok-family models for engine tests, written to a temp folder with every file the engine reads. */
import * as fs from 'node:fs';
import * as path from 'node:path';
import { decoderWeightsFromGraph, type AttentionLowering, type LogitRows } from '../../server/model/arch/decoder';
import { buildOnnxModel } from '../../server/model/build';
import { readModelConfig, type ModelConfig } from '../../server/model/config';
import { exportGguf } from '../../server/model/gguf/export';
import { modelFiles } from '../../server/model/modelFiles';
import { readGraphWeights } from '../../server/model/onnx/initializers';
import type { QuantOptions, QuantType } from '../../server/model/quant';
import { writeSafetensors } from '../../server/model/safetensors';
import { writeSyntheticModelFolder, type SyntheticShape } from '../../server/model/synthetic';
import { tempDir } from '../support/tempDir';

export const tinyGrok: SyntheticShape = {
  architecture: 'grok',
  hiddenSize: 64,
  numLayers: 2,
  numHeads: 4,
  numKvHeads: 2,
  headDim: 16,
  numExperts: 4,
  numExpertsPerToken: 2,
  expertFfnSize: 96,
  contextLength: 256,
  rmsNormEps: 1e-5,
  ropeBase: 10000,
  expertActivation: 'geglu',
  geluApproximation: 'tanh',
  normPlacement: 'sandwich',
  routerRenormalize: false,
  embeddingMultiplier: 1,
  outputMultiplier: 0.5773502691896257,
  attentionScale: 0.25,
  attentionSoftcap: 30,
  routerSoftcap: 0,
  finalLogitSoftcap: 0,
  attentionTemperatureLength: 0,
  tiedOutput: true,
  qkNorm: 'none',
  attentionBias: false,
  residualMultiplier: 1,
  sharedExpertFfnSize: 0,
  sharedExpertGate: false,
  expertSumMultiplier: 1,
  swigluLimit: 7,
  attentionOutputBias: false,
  attentionSinks: false,
  slidingWindow: 0,
  slidingWindowPattern: 1,
  expertBias: false,
  ropeScalingFactor: 1,
  ropeOriginalContext: 256,
  ropeBetaFast: 32,
  ropeBetaSlow: 1,
  ropeTruncate: true,
  kvLoraRank: 0,
  qLoraRank: 0,
  ropeHeadDim: 0,
  vHeadDim: 0,
  denseLayers: 0,
  denseLayerIds: [],
  denseFfnSize: 0,
  routedScalingFactor: 1,
  ropeAttentionFactor: 0,
  bosTokenId: 1,
  addBosToken: true,
  eosTokenId: 2,
  stopTokenIds: [],
  padTokenId: 0,
  fimLayout: 'psm',
};

/** Writes a model folder with `model.onnx` (and `model.gguf` when asked), both quantized as asked; returns its path and config. */
export function tinyModelFolder(shape: Partial<SyntheticShape>, seed: number, options: { gguf?: boolean; quant?: QuantType; logitRows?: LogitRows; attention?: AttentionLowering } = {}): { dir: string; config: ModelConfig } {
  const dir = tempDir('model');
  const config = writeSyntheticModelFolder(dir, { ...tinyGrok, ...shape }, seed);
  buildOnnxModel(dir, { quant: options.quant, logitRows: options.logitRows, attention: options.attention });
  if (options.gguf) exportGguf(dir, { quant: options.quant });
  return { dir, config };
}

export const embeddedModelDir = path.resolve(__dirname, '..', '..', '..', 'models', 'rook-moe-mini');

/**
 * The embedded model's trained weights (read back from its float32 `model.onnx`) as a model folder in a temp dir,
 * rebuilt with `options` as `model.onnx` and exported as `model.gguf` (quantized alike).
 */
export function embeddedModelFolder(options: QuantOptions & { logitRows?: LogitRows }): { dir: string; config: ModelConfig } {
  const dir = tempDir('embedded');
  for (const file of [modelFiles.config, modelFiles.tokenizer]) fs.copyFileSync(path.join(embeddedModelDir, file), path.join(dir, file));
  const config = readModelConfig(path.join(dir, modelFiles.config));
  const graphFile = path.join(embeddedModelDir, modelFiles.onnx);
  writeSafetensors(path.join(dir, modelFiles.weights), decoderWeightsFromGraph(config, readGraphWeights(graphFile), graphFile));
  buildOnnxModel(dir, options);
  exportGguf(dir, options);
  return { dir, config };
}

/** `import()` of an ES module from CommonJS output, which TypeScript would otherwise turn into `require`. */
export const importEsm = new Function('specifier', 'return import(specifier)') as <T>(specifier: string) => Promise<T>;
