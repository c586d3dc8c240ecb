/**
 * Exports a model as `model.gguf` for llama.cpp and Ollama users, from the same weights the ONNX graph is built
 * from: a model folder (`config.json`, `model.safetensors`, `tokenizer.json`), or weights being converted.
 * Each family becomes its llama.cpp architecture (`names/index.ts`: Grok-1 `grok`, Mixtral-style `llama`, Qwen2-MoE
 * `qwen2moe`, Qwen3-MoE `qwen3moe`, OLMoE `olmoe`, Granite MoE `granitemoe`), written under the names of `names/`: the hyperparameters, the vocabulary, and the `blk.N.*` tensors with the
 * experts stacked per layer. llama.cpp stores linear weights `[out, in]` like PyTorch (ggml's `{in, out}`). With the
 * same `QuantOptions` as the graph, the linear layers hold the same quantized numbers (Q8_0 / Q4_0).
 */
import * as fs from 'node:fs';
import * as path from 'node:path';
import { checkDecoderWeights } from '../arch/decoder';
import { readModelConfig, serializeModelConfig, type ModelConfig } from '../config';
import { Checkpoint } from '../import/checkpoint';
import { PieceType } from '../import/sentencepiece';
import { modelFiles } from '../modelFiles';
import { outputQuant, type QuantOptions } from '../quant';
import { elementCount, stack, type FloatTensor, type WeightSource } from '../tensor';
import { byteLevelVocabOf, preTokenizerName } from './byteLevelVocab';
import { byteLevelTokenizer, fimKeys, generalKeys, ggufTensorNames, perHeadShape, perHeadTensor, sentencePieceTokenizer, tokenIdKeys, tokenizerKeys, type GgufArchitecture, type GgufKey } from './names/common';
import { ggufArchitectureFor } from './names/index';
import { interleaveRopeRows } from './ropeRows';
import { ggufLinearType, writeGguf, type GgufTensor, type GgufTensorType, type GgufValue } from './write';

/** `keys` with their values: a config.json field's from `json`, or the key's own. */
function keyValues(keys: readonly (GgufKey | undefined)[], json: Record<string, unknown>): [string, GgufValue][] {
  return keys.filter((k) => k !== undefined).map((k) => [k.key, 'value' in k ? k.value : ({ [k.type]: k.reciprocal ? 1 / (json[k.field] as number) : json[k.field] } as GgufValue)]);
}

/**
 * Which type each GGUF tensor is written in: by default the linear layers and the untied output as the graph quantizes
 * them, the rest F32.
 */
export type TensorTypeChoice = (tensor: { name: string; linear: boolean; output: boolean }) => GgufTensorType;

/** The model's tensors under llama.cpp's names, each of the type `typeOf` chooses. */
function ggufTensors(config: ModelConfig, weights: WeightSource, typeOf: TensorTypeChoice, architecture: GgufArchitecture): GgufTensor[] {
  const get = (name: string): FloatTensor => weights.get(name)!;
  return ggufTensorNames(config, architecture.tensorRenames).map(({ name, rook, perExpert, linear, output = false, ropeHeads, vector, perHead }) => {
    // What llama.cpp stores, computed when the writer reads the data (once), so that one tensor is in memory at a time.
    const compute = (): FloatTensor => {
      let tensor = perExpert ? stack(rook.map(get)) : get(rook[0]);
      if (vector) tensor = { shape: [tensor.data.length], data: tensor.data };
      if (perHead) tensor = perHeadTensor(tensor, perHead, false);
      return architecture.interleavedRope && ropeHeads ? interleaveRopeRows(tensor, ropeHeads) : tensor;
    };
    const source = get(rook[0]).shape; // a checkpoint's tensor has its shape before its data is read
    let shape = perExpert ? [rook.length, ...source] : source;
    if (vector) shape = [elementCount(shape)];
    if (perHead) shape = perHeadShape(shape, perHead);
    return { name, tensor: { shape, get data() { return compute().data; } }, type: typeOf({ name, linear, output }) };
  });
}

/** Whether the tokenizer.json normalizer prepends `▁` (SentencePiece's dummy prefix), as llama.cpp's add_space_prefix does. */
function prependsSpace(json: { normalizer?: unknown }): boolean {
  const normalizer = json.normalizer as { type?: string; prepend?: string; normalizers?: unknown[] } | null | undefined;
  const steps = normalizer?.type === 'Sequence' ? (normalizer.normalizers ?? []) : [normalizer];
  return steps.some((step) => (step as { type?: string; prepend?: string } | null)?.type === 'Prepend' && (step as { prepend?: string }).prepend === '▁');
}

/**
 * The `tokenizer.ggml.*` metadata of a SentencePiece-style vocabulary (llama.cpp's `llama` tokenizer) from a
 * Hugging Face `tokenizer.json` BPE model, with the special token ids `ids`: special tokens are control tokens,
 * `<0xNN>` pieces byte tokens, earlier pieces score higher, as SentencePiece orders its merges, and a space is
 * prepended only when the normalizer does.
 */
function sentencePieceVocabMetadata(tokenizerJson: unknown, ids: [string, GgufValue][], vocabSize: number, file: string): Map<string, GgufValue> {
  const json = tokenizerJson as { normalizer?: unknown; model?: { type?: string; vocab?: Record<string, unknown> }; added_tokens?: unknown };
  if (json?.model?.type !== 'BPE' || typeof json.model.vocab !== 'object' || json.model.vocab === null || Array.isArray(json.model.vocab)) {
    throw new Error(`${file}: expected a BPE tokenizer model with a vocab`);
  }
  const pieces: string[] = [];
  for (const [piece, id] of Object.entries(json.model.vocab)) {
    // Checked before it indexes the array: an id of 4e9 would make a 4-billion-slot array to walk.
    if (!Number.isInteger(id) || (id as number) < 0) throw new Error(`${file}: vocab maps ${JSON.stringify(piece)} to ${JSON.stringify(id)}, not a token id`);
    if ((id as number) >= vocabSize) throw new Error(`${file}: has token id ${id} but config.json says vocab_size ${vocabSize}`);
    pieces[id as number] = piece;
  }
  for (let id = 0; id < pieces.length; id++) if (pieces[id] === undefined) throw new Error(`${file}: vocab has no token with id ${id}`);
  const addedTokens = Array.isArray(json.added_tokens) ? (json.added_tokens as ({ id?: unknown; special?: unknown } | null)[]) : [];
  const special = new Set(addedTokens.filter((t) => t?.special === true).map((t) => t!.id));
  const types = pieces.map((piece, id) => (special.has(id) ? PieceType.control : /^<0x[0-9A-F]{2}>$/.test(piece) ? PieceType.byte : PieceType.normal));
  return new Map<string, GgufValue>([
    [tokenizerKeys.model, { str: sentencePieceTokenizer }],
    [tokenizerKeys.tokens, { strs: pieces }],
    [tokenizerKeys.scores, { f32s: pieces.map((_, id) => (types[id] === PieceType.normal ? -id : 0)) }],
    [tokenizerKeys.tokenType, { i32s: types }],
    ...ids,
    [tokenizerKeys.addBosToken, { bool: false }],
    [tokenizerKeys.addSpacePrefix, { bool: prependsSpace(json) }],
  ]);
}

/** The `tokenizer.ggml.*` metadata of a byte-level BPE tokenizer.json (llama.cpp's `gpt2` tokenizer), `pre` naming its pre-tokenizer. */
function byteLevelVocabMetadata(tokenizerJson: Record<string, unknown>, pre: string, ids: [string, GgufValue][], config: ModelConfig, file: string): Map<string, GgufValue> {
  const vocab = byteLevelVocabOf(tokenizerJson, pre, config.vocabSize, file);
  return new Map<string, GgufValue>([
    [tokenizerKeys.model, { str: byteLevelTokenizer }],
    [tokenizerKeys.pre, { str: vocab.pre }],
    [tokenizerKeys.tokens, { strs: vocab.tokens }],
    [tokenizerKeys.tokenType, { i32s: vocab.types }],
    [tokenizerKeys.merges, { strs: vocab.merges }],
    ...ids,
    [tokenizerKeys.addBosToken, { bool: config.addBosToken }],
  ]);
}

/**
 * Writes `out` from `weights` (named in errors as `weightsFile`) and the vocabulary of `tokenizerFile`, the linear
 * layers quantized as a graph built with `options` quantizes them, or each tensor as `typeOf` chooses (the K-quants
 * and MXFP4 people's GGUF files hold: test fixtures that llama.cpp judges Rook's reading of).
 */
export function writeGgufModel(
  config: ModelConfig,
  weights: WeightSource,
  weightsFile: string,
  tokenizerFile: string,
  out: string,
  options: QuantOptions = {},
  typeOf: TensorTypeChoice = ({ linear, output }) => (output ? ggufLinearType({ ...options, quant: outputQuant(options.quant) }) : linear ? ggufLinearType(options) : 'F32'),
): void {
  let tokenizerJson: unknown;
  try {
    tokenizerJson = JSON.parse(fs.readFileSync(tokenizerFile, 'utf8'));
  } catch (error) {
    throw new Error(`${tokenizerFile}: cannot read tokenizer (${(error as Error).message})`);
  }
  const architecture = ggufArchitectureFor(config);
  checkDecoderWeights(config, weights, weightsFile);
  const mismatch = architecture.mismatch(config);
  if (mismatch) throw new Error(`${weightsFile}: ${mismatch}`);
  const tensors = ggufTensors(config, weights, typeOf, architecture);
  const json = serializeModelConfig(config);
  const ids = keyValues(tokenIdKeys, json);
  const pre = preTokenizerName(tokenizerJson, tokenizerFile);
  const vocab = pre === undefined ? sentencePieceVocabMetadata(tokenizerJson, ids, config.vocabSize, tokenizerFile) : byteLevelVocabMetadata(tokenizerJson as Record<string, unknown>, pre, ids, config, tokenizerFile);
  const vocabSize = (vocab.get(tokenizerKeys.tokens) as { strs: string[] }).strs.length;
  if (vocabSize !== config.vocabSize) throw new Error(`${tokenizerFile}: has ${vocabSize} tokens but config.json says vocab_size ${config.vocabSize}`);
  const metadata = new Map<string, GgufValue>([
    [generalKeys.architecture, { str: architecture.name }],
    [generalKeys.name, { str: architecture.modelName }],
    ...keyValues(Object.values(architecture.keys), json),
    ...(architecture.derivedKeys?.(config) ?? []),
    ...vocab,
    ...(config.fim ? keyValues(fimKeys, json) : []),
  ]);
  writeGguf(out, metadata, tensors);
}

export function exportGguf(folder: string, options: QuantOptions = {}): string {
  const config = readModelConfig(path.join(folder, modelFiles.config));
  const weightsFile = path.join(folder, modelFiles.weights);
  const out = path.join(folder, modelFiles.gguf);
  writeGgufModel(config, Checkpoint.open(folder), weightsFile, path.join(folder, modelFiles.tokenizer), out, options);
  return out;
}
