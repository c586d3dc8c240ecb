/**
 * Exports a model folder (`config.json`, `model.safetensors`, `tokenizer.json`) as `model.gguf` for llama.cpp and
 * Ollama users, from the same weights the ONNX graph is built from (with the same `QuantOptions`, the same quantized
 * numbers: Q8_0 / Q4_0).
 */
import * as fs from 'node:fs';
import * as path from 'node:path';
import { grokGguf } from './arch/grok';
import { modelFiles } from './build';
import { readModelConfig } from './config';
import { sentencePieceVocabMetadata, writeGguf } from './gguf';
import type { QuantOptions } from './quant';
import { readSafetensors } from './safetensors';

export function exportGguf(folder: string, options: QuantOptions = {}): string {
  const config = readModelConfig(path.join(folder, modelFiles.config));
  const weightsFile = path.join(folder, modelFiles.weights);
  const tokenizerFile = path.join(folder, modelFiles.tokenizer);
  let tokenizerJson: unknown;
  try {
    tokenizerJson = JSON.parse(fs.readFileSync(tokenizerFile, 'utf8'));
  } catch (error) {
    throw new Error(`${tokenizerFile}: cannot read tokenizer (${(error as Error).message})`);
  }
  const { metadata, tensors } = grokGguf(config, readSafetensors(weightsFile), weightsFile, options);
  const vocab = sentencePieceVocabMetadata(tokenizerJson, { bos: config.bosTokenId, eos: config.eosTokenId, pad: config.padTokenId }, tokenizerFile);
  const vocabSize = (vocab.get('tokenizer.ggml.tokens') as { strs: string[] }).strs.length;
  if (vocabSize !== config.vocabSize) throw new Error(`${tokenizerFile}: has ${vocabSize} tokens but config.json says vocab_size ${config.vocabSize}`);
  const out = path.join(folder, modelFiles.gguf);
  writeGguf(out, new Map([...metadata, ...vocab]), tensors);
  return out;
}
