/**
 * Hostile model files (issue 22, "Model files"): what an outside fuzz campaign fed `rook convert`, each written the
 * way real files lay out their bytes (GGUF, safetensors, config.json, tokenizer files) into a temp folder. Every one
 * must fail fast with Rook's message naming the file and the field, or (a real vocabulary) convert.
 */
import assert from 'node:assert/strict';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { test } from 'node:test';
import { firstLineConfidence } from '../../server/completion/confidence';
import { convertCheckpoint } from '../../server/model/convert';
import { readGgufHeader, readGgufTensor } from '../../server/model/gguf/read';
import { serializeGguf, type GgufTensor, type GgufValue } from '../../server/model/gguf/write';
import { modelFiles } from '../../server/model/modelFiles';
import { parseSafetensorsHeader } from '../../server/model/safetensors';
import { tempDir, tinyModelFolder } from './fixtures';
import { hfGrokCheckpoint } from './hfCheckpoints';

const repo = path.resolve(__dirname, '..', '..', '..');
const tinyBpeModel = path.join(repo, 'test', 'fixtures', 'sentencepiece', 'tiny-bpe.model');
const tinyBpeVocab = 600;
const escaped = (text: string) => text.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');

/** A llama.cpp-grok-compatible tiny model (renormalized gates, as llama.cpp's grok graph computes). */
const grokShape = { routerRenormalize: true, embeddingMultiplier: 0.2, attentionScale: 2 };

let ggufSource: string | undefined;
/** A tiny grok GGUF written by Rook's exporter (made once). */
function tinyGguf(): string {
  return (ggufSource ??= path.join(tinyModelFolder(grokShape, 91, { gguf: true }).dir, modelFiles.gguf));
}

/** The tiny grok GGUF rebuilt from its parts with `edit` applied (metadata and tensors), written to a new file. */
function editedGguf(edit: (metadata: Map<string, GgufValue>, tensors: GgufTensor[]) => void): string {
  const source = tinyGguf();
  const header = readGgufHeader(source);
  const metadata = new Map<string, GgufValue>();
  for (const [key, value] of header.metadata) {
    if (typeof value === 'string') metadata.set(key, { str: value });
    else if (typeof value === 'boolean') metadata.set(key, { bool: value });
    else if (typeof value === 'number') metadata.set(key, Number.isInteger(value) && !/(scale|softcapping|epsilon|freq_base)$/.test(key) ? { u32: value } : { f32: value });
    else if (key === 'tokenizer.ggml.tokens') metadata.set(key, { strs: value as string[] });
    else if (key === 'tokenizer.ggml.scores') metadata.set(key, { f32s: value as number[] });
    else metadata.set(key, { i32s: value as number[] });
  }
  const tensors = [...header.tensors.values()].map((info) => ({ name: info.name, tensor: readGgufTensor(source, info), type: 'F32' as const }));
  edit(metadata, tensors);
  const file = path.join(tempDir('hostile-gguf'), 'model.gguf');
  fs.writeFileSync(file, serializeGguf(metadata, tensors));
  return file;
}

/** GGUF bytes written by hand: little-endian u32/u64, length-prefixed strings, raw bytes. */
class GgufBytes {
  private readonly parts: Buffer[] = [];
  u32(value: number): this {
    this.parts.push(Buffer.from(new Uint32Array([value]).buffer));
    return this;
  }
  u64(value: number | bigint): this {
    this.parts.push(Buffer.from(new BigUint64Array([BigInt(value)]).buffer));
    return this;
  }
  str(value: string): this {
    return this.u64(Buffer.byteLength(value)).raw(Buffer.from(value));
  }
  raw(bytes: Uint8Array): this {
    this.parts.push(Buffer.from(bytes));
    return this;
  }
  /** The GGUF v3 preamble: magic, version, tensor and metadata counts. */
  static header(tensors: number, metadata: number): GgufBytes {
    return new GgufBytes().raw(Buffer.from('GGUF')).u32(3).u64(tensors).u64(metadata);
  }
  write(name = 'model.gguf'): string {
    const file = path.join(tempDir('hostile-gguf'), name);
    fs.writeFileSync(file, Buffer.concat(this.parts));
    return file;
  }
}

/** A safetensors file's bytes as the format lays them out: u64 header length, the JSON header, `dataBytes` of data. */
function safetensorsBytes(header: unknown, dataBytes: number): Buffer {
  const json = Buffer.from(JSON.stringify(header));
  const length = Buffer.alloc(8);
  length.writeBigUInt64LE(BigInt(json.byteLength));
  return Buffer.concat([length, json, Buffer.alloc(dataBytes)]);
}

/** A copy of a tiny Hugging Face Grok-1 checkpoint with `edit` applied to its config.json. */
function editedCheckpoint(edit: (config: Record<string, unknown>) => void, seed = 82): string {
  const { checkpoint } = hfGrokCheckpoint(tinyBpeModel, tinyBpeVocab, seed);
  const file = path.join(checkpoint, modelFiles.config);
  const config = JSON.parse(fs.readFileSync(file, 'utf8'));
  edit(config);
  fs.writeFileSync(file, JSON.stringify(config));
  return checkpoint;
}

/** Expects `run` to throw Rook's error (not a raw RangeError or TypeError) whose message matches `pattern`. */
function throwsMessage(run: () => unknown, pattern: RegExp, label = pattern.source): void {
  assert.throws(
    run,
    (error: Error) => {
      assert.ok(!(error instanceof RangeError) && !(error instanceof TypeError), `${label}: a raw ${error.name}: ${error.message}`);
      assert.match(error.message, pattern, label);
      return true;
    },
    label,
  );
}

/** Runs `convert` and expects Rook's error: the message starts with `file`, then matches `problem`; nothing is written. */
function expectRefusal(source: string, file: string, problem: RegExp, label = problem.source): void {
  const out = path.join(tempDir('refused'), 'out');
  const started = performance.now();
  throwsMessage(() => convertCheckpoint(source, out), new RegExp(`^${escaped(file)}: ${problem.source}`), label);
  assert.ok(performance.now() - started < 5000, `${label}: took ${Math.round(performance.now() - started)} ms`);
  assert.equal(fs.existsSync(out), false, `${label}: nothing written`);
}

test("limits: Grok-1's 131,072-token tokenizer.json converts (its ids are not spread into one call)", () => {
  const vocabSize = 131072;
  const { checkpoint } = hfGrokCheckpoint(tinyBpeModel, vocabSize, 81);
  const vocab: Record<string, number> = {};
  for (let id = 0; id < vocabSize; id++) vocab[`t${id}`] = id;
  const addedTokens = Array.from({ length: vocabSize }, (_, id) => ({ id, content: `t${id}`, special: false }));
  const tokenizerJson = JSON.stringify({ version: '1.0', added_tokens: addedTokens, model: { type: 'BPE', vocab, merges: [] } });
  fs.writeFileSync(path.join(checkpoint, modelFiles.tokenizer), tokenizerJson);
  const out = path.join(tempDir('converted'), 'grok-vocab');
  const result = convertCheckpoint(checkpoint, out);
  assert.equal(result.config.vocabSize, vocabSize);
  assert.equal(fs.readFileSync(path.join(out, modelFiles.tokenizer), 'utf8'), tokenizerJson);

  // One id past the vocabulary is still refused, naming the tokenizer.
  vocab.extra = vocabSize;
  fs.writeFileSync(path.join(checkpoint, modelFiles.tokenizer), JSON.stringify({ added_tokens: [], model: { type: 'BPE', vocab, merges: [] } }));
  expectRefusal(checkpoint, path.join(checkpoint, modelFiles.tokenizer), /has token id 131072 but config.json says vocab_size 131072/);
});

test('limits: the confidence of a very long first line is scored without spreading its log-probabilities', () => {
  const logprobs = Array.from({ length: 300_000 }, (_, i) => -(i % 7) / 10);
  const confidence = firstLineConfidence([{ text: 'x'.repeat(10), logprobs }]);
  assert.equal(confidence?.tokens, 300_000);
  assert.equal(confidence?.min, Math.exp(-0.6));
});

test('limits: names from the file are looked up in Maps, so "constructor", "toString" or "__proto__" is an unknown name', () => {
  for (const name of ['constructor', 'toString', '__proto__', 'hasOwnProperty']) {
    const byModelType = editedCheckpoint((config) => ((config.model_type = name), (config.architectures = [name])));
    expectRefusal(byModelType, path.join(byModelType, modelFiles.config), new RegExp(`unknown model_type ${escaped(JSON.stringify(name))} \\(architectures \\[${escaped(JSON.stringify(name))}\\]\\)`), `model_type ${name}`);
    const rook = editedCheckpoint((config) => (config.architecture = name));
    expectRefusal(rook, path.join(rook, modelFiles.config), new RegExp(`unknown architecture for field "architecture": ${escaped(JSON.stringify(name))}`), `architecture ${name}`);
    const gguf = editedGguf((metadata) => metadata.set('general.architecture', { str: name }));
    expectRefusal(gguf, gguf, new RegExp(`general.architecture is ${escaped(JSON.stringify(name))}; rook convert reads`), `general.architecture ${name}`);
  }
  for (const dtype of ['constructor', 'toString', '__proto__']) {
    const bytes = safetensorsBytes({ w: { dtype, shape: [2], data_offsets: [0, 8] } }, 8);
    throwsMessage(() => parseSafetensorsHeader(bytes, bytes.byteLength, 'w.safetensors'), new RegExp(`^w.safetensors: tensor "w" has dtype ${escaped(dtype)}; only F32, F16 and BF16 are supported`), dtype);
  }
});
