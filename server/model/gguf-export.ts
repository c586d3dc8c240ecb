/**
 * Exports a model as `model.gguf` for llama.cpp and Ollama users, from the same weights the ONNX graph is built
 * from: a model folder (`config.json`, `model.safetensors`, `tokenizer.json`), or weights being converted.
 * Sandwich-norm models (Grok-1) become llama.cpp's `grok` architecture, pre-norm ones (Mixtral) its `llama` one.
 * With the same `QuantOptions` as the graph, the linear layers hold the same quantized numbers (Q8_0 / Q4_0).
 */
import * as fs from 'node:fs';
import * as path from 'node:path';
import { grokGguf } from './arch/grok';
import { llamaGguf } from './arch/llamaGguf';
import { modelFiles } from './build';
import { readModelConfig, type ModelConfig } from './config';
import { ggufFimKeys, ggufFimLayoutKey, sentencePieceVocabMetadata, writeGguf, type GgufValue } from './gguf';
import type { QuantOptions } from './quant';
import { readSafetensors } from './safetensors';
import type { WeightSource } from './tensor';

function fimMetadata(config: ModelConfig): Map<string, GgufValue> {
  const fim = config.fim;
  if (!fim) return new Map();
  const ids = (Object.entries(ggufFimKeys) as [keyof typeof ggufFimKeys, string][]).map(([role, key]): [string, GgufValue] => [key, { u32: fim[role] }]);
  return new Map([...ids, [ggufFimLayoutKey, { str: config.fimLayout }]]);
}

/** Writes `out` from `weights` (named in errors as `weightsFile`) and the vocabulary of `tokenizerFile`. */
export function writeGgufModel(config: ModelConfig, weights: WeightSource, weightsFile: string, tokenizerFile: string, out: string, options: QuantOptions = {}): void {
  let tokenizerJson: unknown;
  try {
    tokenizerJson = JSON.parse(fs.readFileSync(tokenizerFile, 'utf8'));
  } catch (error) {
    throw new Error(`${tokenizerFile}: cannot read tokenizer (${(error as Error).message})`);
  }
  const architectureGguf = config.normPlacement === 'pre' ? llamaGguf : grokGguf;
  const { metadata, tensors } = architectureGguf(config, weights, weightsFile, options);
  const vocab = sentencePieceVocabMetadata(tokenizerJson, { bos: config.bosTokenId, eos: config.eosTokenId, pad: config.padTokenId }, tokenizerFile);
  const vocabSize = (vocab.get('tokenizer.ggml.tokens') as { strs: string[] }).strs.length;
  if (vocabSize !== config.vocabSize) throw new Error(`${tokenizerFile}: has ${vocabSize} tokens but config.json says vocab_size ${config.vocabSize}`);
  writeGguf(out, new Map([...metadata, ...vocab, ...fimMetadata(config)]), tensors);
}

export function exportGguf(folder: string, options: QuantOptions = {}): string {
  const config = readModelConfig(path.join(folder, modelFiles.config));
  const weightsFile = path.join(folder, modelFiles.weights);
  const out = path.join(folder, modelFiles.gguf);
  writeGgufModel(config, readSafetensors(weightsFile), weightsFile, path.join(folder, modelFiles.tokenizer), out, options);
  return out;
}
