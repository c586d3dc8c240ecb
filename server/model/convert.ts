/**
 * `rook convert`: a checkpoint folder (Hugging Face Grok-1 port, Hugging Face Mixtral, or a Rook folder) or a GGUF
 * file (llama.cpp's `grok`, or `llama` with experts: `gguf/import.ts`) into a Rook model folder the local engine
 * loads: `config.json` in Rook's format, `model.onnx` (with `model.onnx.data` when the weights pass the external-data
 * threshold), `tokenizer.json` (copied, or converted from SentencePiece's `tokenizer.model` or the GGUF's
 * vocabulary), `tokenizer_config.json` when present, and `model.gguf` on request.
 *
 * Every tensor is checked by name and shape before anything is written. Weights are read from the checkpoint as the
 * graph needs them and, with external data, written straight to the data file, so memory holds a layer's tensors
 * in use rather than the model.
 */
import { randomUUID } from 'node:crypto';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { buildDecoderGraph, checkWeightsFit, decoderTensorShapes, decoderWeightsFromGraph } from './arch/decoder';
import { configJsonNaming, ModelConfigError, serializeModelConfig, type ModelConfig } from './config';
import { bytesPerElement } from './dtype';
import { writeGgufModel } from './gguf/export';
import { GgufCheckpoint } from './gguf/import';
import { Checkpoint, CheckpointError, indexFile } from './import/checkpoint';
import { chatTemplateFile } from '../chat/chatTemplate';
import { addsBosToken } from './import/bosToken';
import { detectFormat } from './import/detect';
import { fimTokens } from './import/fimTokens';
import { rookFolder } from './import/rookFolder';
import { tensorPart, type CheckpointFormat, type TensorPart } from './import/format';
import { convertSentencePieceFile } from './import/sentencepiece';
import { readJsonFile } from './jsonFile';
import { modelFiles } from './modelFiles';
import { ExternalDataWriter } from './onnx/externalData';
import { readGraphWeights } from './onnx/initializers';
import type { QuantChoice } from './quant';
import { ggufLinearType } from './gguf/write';
import { elementCount, type FloatTensor, type WeightSource } from './tensor';
import { tokenizerFitProblem } from './tokenizerFit';
import { unknownTokenizerRegex } from './tokenizerRegexes';

/** ONNX's protobuf limit is 2 GiB for the whole file; this leaves room for the graph and rotary tables. */
export const defaultExternalDataThreshold = 2_000_000_000;
export const externalDataFile = 'model.onnx.data';
const tokenizerModelFile = 'tokenizer.model';
const tokenizerConfigFileName = 'tokenizer_config.json';

export interface ConvertOptions {
  gguf?: boolean;
  /** Block-quantize the linear layers of the graph (and of the GGUF) to int8 or int4, or as a GGUF source holds each (`match`); default float32. */
  quant?: QuantChoice;
  /** Weights (as float32) above this many bytes go to `model.onnx.data`; it can lower the default, not raise it. */
  externalDataThreshold?: number;
  /** Called after each tensor read from the checkpoint; `total` counts the reads the whole conversion makes. */
  onProgress?: (read: number, total: number) => void;
}

export interface ConvertResult {
  format: string;
  config: ModelConfig;
  files: string[];
  /** Float32 bytes of the weights in the graph. */
  weightBytes: number;
  externalData: boolean;
}

function readConfigJson(file: string): Record<string, unknown> {
  const json = readJsonFile(file, (problem) => new ModelConfigError(file, problem));
  if (typeof json !== 'object' || json === null || Array.isArray(json)) throw new ModelConfigError(file, 'expected a JSON object');
  return json as Record<string, unknown>;
}

/**
 * The checkpoint's tensors under Rook's names, each present and shaped as the config implies (else an error naming its
 * file). A Rook tensor that is part of a fused checkpoint tensor is a view of it; the fused tensor last read is held
 * for its other parts (a family's experts are read one after another).
 */
function checkedWeights(config: ModelConfig, format: CheckpointFormat, checkpoint: Checkpoint): WeightSource {
  const parts = new Map<string, { part: TensorPart; shape: number[] }>();
  for (const [rookName, shape] of decoderTensorShapes(config)) {
    const part = format.sourcePart?.(rookName, config);
    const name = part?.name ?? format.sourceName(rookName);
    const expected = part?.shape ?? shape;
    const found = checkpoint.shape(name);
    if (!found) throw new CheckpointError(checkpoint.fileOf(name), `missing tensor "${name}" that config.json calls for`);
    if (found.join() !== expected.join()) throw new CheckpointError(checkpoint.fileOf(name), `tensor "${name}" has shape [${found}] but config.json implies [${expected}]`);
    if (part) parts.set(rookName, { part, shape });
  }
  let held: { name: string; tensor: FloatTensor } | undefined;
  return {
    get: (rookName: string): FloatTensor | undefined => {
      const fused = parts.get(rookName);
      if (!fused) return checkpoint.get(format.sourceName(rookName));
      if (held?.name !== fused.part.name) held = { name: fused.part.name, tensor: checkpoint.get(fused.part.name)! };
      return tensorPart(held.tensor, fused.part, fused.shape);
    },
  };
}

/** Where a conversion writes its files before they are put in place, and how they are put there or thrown away. */
interface Staging {
  dir: string;
  /** Moves `files` into the out-dir (removing `stale` ones there that this conversion does not write). */
  commit(files: readonly string[], stale: readonly string[]): void;
  /** Removes the staging folder and what it holds. */
  abandon(): void;
}

/**
 * A fresh temporary folder for the converted files, made before any long work starts (proving the place writable): a
 * failed or interrupted conversion then leaves `out` as it was (or absent), never a folder that looks like a model
 * without its graph. A new `out` is staged beside it and renamed into place whole; an existing one is staged inside it
 * and each file renamed over its old one.
 */
function stageOutDir(out: string): Staging {
  const cannotWrite = (error: unknown) =>
    new Error(`${out}: cannot write the converted model there (${(error as NodeJS.ErrnoException).code ?? (error as Error).message}); choose a writable out-dir`);
  let existing: fs.Stats | undefined;
  try {
    existing = fs.statSync(out);
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code !== 'ENOENT') throw cannotWrite(error);
  }
  if (existing && !existing.isDirectory()) throw cannotWrite({ code: 'ENOTDIR' });
  const parent = path.dirname(path.resolve(out));
  let dir: string;
  try {
    if (!existing && !fs.existsSync(parent)) fs.mkdirSync(parent, { recursive: true });
    // mkdir, not mkdtemp: the folder becomes `out`, so it takes the mode (umask) `out` would have had.
    dir = existing ? path.join(out, `.rook-convert-${randomUUID()}`) : path.join(parent, `.${path.basename(out)}.rook-convert-${randomUUID()}`);
    fs.mkdirSync(dir);
  } catch (error) {
    throw cannotWrite(error);
  }
  return {
    dir,
    commit(files, stale) {
      if (!existing) {
        fs.renameSync(dir, out);
        return;
      }
      for (const name of stale) if (!files.includes(name)) fs.rmSync(path.join(out, name), { force: true });
      for (const name of files) fs.renameSync(path.join(dir, name), path.join(out, name));
      fs.rmdirSync(dir);
    },
    abandon: () => fs.rmSync(dir, { recursive: true, force: true }),
  };
}

/** tokenizer.json for the output: the checkpoint's own, else converted from its SentencePiece model. */
function readTokenizer(source: string): { json: object; file: string } {
  const file = path.join(source, modelFiles.tokenizer);
  if (fs.existsSync(file)) {
    const json = readJsonFile(file, (problem) => new Error(`${file}: ${problem}`)) as { model?: unknown } | null;
    if (typeof json !== 'object' || json === null || Array.isArray(json) || typeof json.model !== 'object' || json.model === null || Array.isArray(json.model)) {
      throw new Error(`${file}: expected a tokenizer.json object with a "model" object (Hugging Face tokenizers' format)`);
    }
    const unsafe = unknownTokenizerRegex(json);
    if (unsafe) throw new Error(`${file}: ${unsafe}`);
    return { json, file };
  }
  const spm = path.join(source, tokenizerModelFile);
  if (fs.existsSync(spm)) return { json: convertSentencePieceFile(spm), file: spm };
  // xAI's Grok-2 release ships its tokenizer in a format of its own (read by SGLang), which no tokenizer library reads.
  const xaiTokenizer = fs.existsSync(path.join(source, 'tokenizer.tok.json'));
  const hint = xaiTokenizer ? ' (tokenizer.tok.json is xAI\'s own format: put a Hugging Face tokenizer.json of it in the folder, such as the one llama.cpp\'s converter asks for, alvarobartt/grok-2-tokenizer, with its chat_template.jinja)' : '';
  throw new Error(`${source}: has neither ${modelFiles.tokenizer} nor ${tokenizerModelFile}; copy the model's tokenizer into the checkpoint folder${hint}`);
}

/** Throws when the tokenizer can produce ids the model has no embedding for. */
function checkTokenizerFits(tokenizer: { json: object; file: string }, vocabSize: number): void {
  const problem = tokenizerFitProblem(tokenizer.json, vocabSize);
  if (problem) throw new Error(`${tokenizer.file}: ${problem}`);
}

/** A checkpoint opened for conversion: its config, weights under Rook's names (names and shapes checked), tokenizer. */
interface OpenedCheckpoint {
  label: string;
  config: ModelConfig;
  weights: WeightSource;
  /** Named in errors about the weights. */
  weightsFile: string;
  tokenizer: { json: object; file: string };
  /** The text of tokenizer_config.json (chat template) to write, when the checkpoint has one. */
  tokenizerConfig?: string;
  /** The text of chat_template.jinja, when the checkpoint has one. */
  chatTemplate?: string;
  /** Sets what is called after each tensor read from disk. */
  watchReads(onRead: () => void): void;
}

/** A checkpoint's `config.json` read as Rook's config, by the format it describes (Rook's own, or a Hugging Face family). */
export function readCheckpointConfig(configFile: string): { format: CheckpointFormat; config: ModelConfig } {
  const json = readConfigJson(configFile);
  const format = detectFormat(json, configFile);
  return { format, config: format.modelConfig(json, configFile) };
}

/**
 * What a Hugging Face checkpoint's tokenizer says about prompts that its config.json does not: the fill-in-the-middle
 * markers (when the config has none), the other tokens that end a generation, and whether prompts start with BOS.
 */
function withTokenizerFacts(config: ModelConfig, tokenizer: { json: object; file: string }, tokenizerConfigFile: string): ModelConfig {
  const tokenizerConfig = fs.existsSync(tokenizerConfigFile) ? readJsonFile(tokenizerConfigFile, (problem) => new ModelConfigError(tokenizerConfigFile, problem)) : undefined;
  const { fim, stop } = fimTokens(tokenizer.json, tokenizerConfig, { tokenizer: tokenizer.file, config: tokenizerConfigFile });
  const addBos = addsBosToken(tokenizer.json, tokenizerConfig);
  return {
    ...config,
    ...(config.fim || !fim ? {} : { fim }),
    stopTokenIds: stop.filter((id) => id !== config.eosTokenId && id < config.vocabSize),
    ...(addBos === undefined ? {} : { addBosToken: addBos }),
  };
}

/**
 * A Rook model folder that ships only its graph (the embedded model): the weights are read back from `model.onnx`
 * (quantized layers as the d·q values their blocks stand for, so `--quant` of the same kind gives back the very same
 * blocks), for re-quantizing or rebuilding it. The whole graph is read at once: models with `model.onnx.data` are
 * converted from their checkpoint instead.
 */
function openGraphFolder(source: string, config: ModelConfig, label: string): OpenedCheckpoint {
  const graphFile = path.join(source, modelFiles.onnx);
  if (fs.existsSync(path.join(source, externalDataFile))) {
    throw new CheckpointError(graphFile, `keeps its weights in ${externalDataFile}; convert the model from its original checkpoint instead`);
  }
  const weights = decoderWeightsFromGraph(config, readGraphWeights(graphFile), graphFile);
  const tokenizerConfig = path.join(source, tokenizerConfigFileName);
  return {
    label: `${label} (weights from ${modelFiles.onnx})`,
    config,
    weights,
    weightsFile: graphFile,
    tokenizer: readTokenizer(source),
    tokenizerConfig: fs.existsSync(tokenizerConfig) ? fs.readFileSync(tokenizerConfig, 'utf8') : undefined,
    watchReads: () => undefined,
  };
}

function openCheckpointFolder(source: string): OpenedCheckpoint {
  const configFile = path.join(source, modelFiles.config);
  const { format, config: checkpointConfig } = readCheckpointConfig(configFile);
  const hasSafetensors = fs.existsSync(path.join(source, modelFiles.weights)) || fs.existsSync(path.join(source, indexFile));
  if (format === rookFolder && !hasSafetensors && fs.existsSync(path.join(source, modelFiles.onnx))) return openGraphFolder(source, checkpointConfig, format.label);
  const checkpoint = Checkpoint.open(source, (name) => format.splitAxis?.(name));
  // Safetensors store each weight in 2 bytes at the least (F16, BF16).
  checkWeightsFit(checkpointConfig, checkpoint.dataBytes, bytesPerElement.BF16, configFile, format.naming ?? configJsonNaming, path.basename(checkpoint.listing));
  const tokenizerConfig = path.join(source, tokenizerConfigFileName);
  const chatTemplate = path.join(source, chatTemplateFile);
  const tokenizer = readTokenizer(source);
  // A Rook folder's config already says all this.
  const config = format === rookFolder ? checkpointConfig : withTokenizerFacts(checkpointConfig, tokenizer, tokenizerConfig);
  return {
    label: format.label,
    config,
    weights: checkedWeights(config, format, checkpoint),
    weightsFile: checkpoint.listing,
    tokenizer,
    tokenizerConfig: fs.existsSync(tokenizerConfig) ? fs.readFileSync(tokenizerConfig, 'utf8') : undefined,
    chatTemplate: fs.existsSync(chatTemplate) ? fs.readFileSync(chatTemplate, 'utf8') : undefined,
    watchReads: (onRead) => (checkpoint.onTensorRead = onRead),
  };
}

function openGgufFile(file: string): OpenedCheckpoint {
  const gguf = GgufCheckpoint.open(file);
  return {
    label: gguf.label,
    config: gguf.config,
    weights: gguf.weights,
    weightsFile: file,
    tokenizer: { json: gguf.tokenizerJson, file },
    tokenizerConfig: gguf.tokenizerConfig && `${JSON.stringify(gguf.tokenizerConfig, null, 2)}\n`,
    watchReads: (onRead) => (gguf.onTensorRead = onRead),
  };
}

/** `source` is a checkpoint folder, or a GGUF file. Nothing is written to `out` unless the whole conversion succeeds. */
export function convertCheckpoint(source: string, out: string, options: ConvertOptions = {}): ConvertResult {
  const isFile = fs.existsSync(source) && fs.statSync(source).isFile();
  // The GGUF's type is checked before the long work (`match` has none).
  if (options.gguf) ggufLinearType(options);
  const opened = isFile ? openGgufFile(source) : openCheckpointFolder(source);
  checkTokenizerFits(opened.tokenizer, opened.config.vocabSize);
  if (path.resolve(source) === path.resolve(out)) throw new Error(`${out}: the out-dir must differ from the checkpoint folder`);
  const staging = stageOutDir(out);
  try {
    const result = writeModelFolder(opened, staging.dir, options);
    // A model.onnx.data left from an earlier conversion would not belong to the new model.onnx.
    staging.commit(result.files, [externalDataFile, chatTemplateFile]);
    return result;
  } catch (error) {
    staging.abandon();
    throw error;
  }
}

/** Writes the converted model's files into `dir`. */
function writeModelFolder(opened: OpenedCheckpoint, dir: string, options: ConvertOptions): ConvertResult {
  const { label, config, weights, weightsFile, tokenizer, tokenizerConfig, chatTemplate, watchReads } = opened;
  const written = (name: string) => path.join(dir, name);
  fs.writeFileSync(written(modelFiles.config), `${JSON.stringify(serializeModelConfig(config), null, 2)}\n`);
  fs.writeFileSync(written(modelFiles.tokenizer), JSON.stringify(tokenizer.json));
  const files: string[] = [modelFiles.config, modelFiles.tokenizer];
  if (tokenizerConfig !== undefined) {
    fs.writeFileSync(written(tokenizerConfigFileName), tokenizerConfig);
    files.push(tokenizerConfigFileName);
  }
  if (chatTemplate !== undefined) {
    fs.writeFileSync(written(chatTemplateFile), chatTemplate);
    files.push(chatTemplateFile);
  }

  const shapes = decoderTensorShapes(config);
  let weightBytes = 0;
  for (const shape of shapes.values()) weightBytes += elementCount(shape) * 4;
  // The graph reads each tensor once, and the GGUF export once more. The threshold compares float32 bytes even for a
  // quantized graph (whose scales stay float32): erring towards external data is safe, the reverse is not.
  const totalReads = shapes.size * (options.gguf ? 2 : 1);
  let reads = 0;
  watchReads(() => options.onProgress?.(++reads, totalReads));
  const external = weightBytes > Math.min(options.externalDataThreshold ?? defaultExternalDataThreshold, defaultExternalDataThreshold);
  const dataWriter = external ? new ExternalDataWriter(written(externalDataFile)) : undefined;
  try {
    const graph = buildDecoderGraph(config, weights, weightsFile, { quant: options.quant, externalData: dataWriter });
    fs.writeFileSync(written(modelFiles.onnx), graph.serialize(`rook-${config.architecture}`));
  } finally {
    dataWriter?.close();
  }
  files.push(modelFiles.onnx);
  if (external) files.push(externalDataFile);

  if (options.gguf) {
    writeGgufModel(config, weights, weightsFile, written(modelFiles.tokenizer), written(modelFiles.gguf), { quant: options.quant });
    files.push(modelFiles.gguf);
  }
  return { format: label, config, files, weightBytes, externalData: external };
}
