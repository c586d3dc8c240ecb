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
import { decoderTensorShapes, decoderWeightCount } from '../../server/model/arch/decoder';
import { parseModelConfig, serializeModelConfig } from '../../server/model/config';
import { convertCheckpoint } from '../../server/model/convert';
import { readGgufHeader, readGgufTensor } from '../../server/model/gguf/read';
import { serializeGguf, type GgufTensor, type GgufValue } from '../../server/model/gguf/write';
import { bpeMerges, parseSentencePieceModel, PieceType, type SentencePiece } from '../../server/model/import/sentencepiece';
import { modelFiles } from '../../server/model/modelFiles';
import { parseSafetensorsHeader } from '../../server/model/safetensors';
import { elementCount } from '../../server/model/tensor';
import { tinyGrok, tinyModelFolder } from './fixtures';
import { tempDir } from '../support/tempDir';
import { hfGrokCheckpoint, tinyHfGrok, tinyMixtral } from './hfCheckpoints';

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
  throwsMessage(() => convertCheckpoint(source, out), new RegExp(`^${escaped(file)}: ${problem.source}`), label);
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
  // A regex Rook does not run (this one backtracks exponentially on a line of spaces) is named, not copied.
  fs.writeFileSync(path.join(checkpoint, modelFiles.tokenizer), JSON.stringify({ pre_tokenizer: { type: 'Split', pattern: { Regex: '( |  )+$' } }, model: { type: 'BPE', vocab: {}, merges: [] } }));
  expectRefusal(checkpoint, path.join(checkpoint, modelFiles.tokenizer), /its pre_tokenizer\.pattern has the regex "\( \|  \)\+\$", which Rook does not run/);
  // A tokenizer.json that is not one is named, not copied.
  for (const junk of [null, 'x', [1], {}, { model: null }, { model: [] }]) {
    fs.writeFileSync(path.join(checkpoint, modelFiles.tokenizer), JSON.stringify(junk));
    expectRefusal(checkpoint, path.join(checkpoint, modelFiles.tokenizer), /expected a tokenizer.json object with a "model" object/, JSON.stringify(junk));
  }
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

test('limits: GGUF arrays nest at most 4 deep; 20,000 levels in a 240 KB file fail at once, naming the key', () => {
  const nested = (levels: number) => {
    const bytes = GgufBytes.header(0, 1).str('nested').u32(9);
    for (let i = 1; i < levels; i++) bytes.u32(9).u64(1);
    return bytes.u32(4).u64(1).u32(7).write();
  };
  const deep = nested(20_000);
  assert.ok(fs.statSync(deep).size > 200_000);
  expectRefusal(deep, deep, /metadata key "nested" nests arrays more than 4 deep; GGUF arrays of arrays are legal but shallow \(corrupt file\)/);
  assert.deepEqual(readGgufHeader(nested(4)).metadata.get('nested'), [[[[7]]]], 'four levels are legal');
  throwsMessage(() => readGgufHeader(nested(5)), /metadata key "nested" nests arrays more than 4 deep/);
});

test('limits: GGUF string lengths and array counts are bounded before anything is allocated', () => {
  // A string length of 1.2 GB in a (sparse) 1.3 GB file: within the file, but no real string is that long.
  const longString = GgufBytes.header(0, 1).str('general.name').u32(8).u64(1_200_000_000).write();
  try {
    fs.truncateSync(longString, 1_300_000_000);
    expectRefusal(longString, longString, /length of metadata key "general.name" is 1200000000, over Rook's limit of 16777216 \(corrupt file\)/);
  } finally {
    fs.rmSync(longString);
  }

  const longArray = GgufBytes.header(0, 1).str('tokenizer.ggml.token_type').u32(9).u32(0).u64(2 ** 25).write();
  try {
    fs.truncateSync(longArray, 2 ** 25 + 4096);
    expectRefusal(longArray, longArray, /length of metadata key "tokenizer.ggml.token_type" is 33554432, over Rook's limit of 16777216 \(corrupt file\)/);
  } finally {
    fs.rmSync(longArray);
  }

  const longKey = GgufBytes.header(0, 1).u64(100_000).raw(Buffer.alloc(100_000, 'k')).u32(4).u32(1).write();
  expectRefusal(longKey, longKey, /length of key of metadata entry 0 is 100000, over Rook's limit of 65535 \(corrupt file\)/);
  const pastTheEnd = GgufBytes.header(0, 1).str('general.name').u32(8).u64(5000).raw(Buffer.from('short')).write();
  expectRefusal(pastTheEnd, pastTheEnd, /length of metadata key "general.name" is 5000, more than the 5 bytes left in the file can hold/);
});

test('limits: safetensors offsets and shapes are whole numbers that agree with each other and the data', () => {
  const refused: [string, unknown, RegExp][] = [
    ['fractional offsets', { dtype: 'F32', shape: [2], data_offsets: [0.5, 8.5] }, /tensor "w" has data_offsets \[0.5,8.5\]; expected \[begin, end\], whole byte offsets with begin <= end \(corrupt header\)/],
    ['swapped offsets, negative shape', { dtype: 'F32', shape: [-2], data_offsets: [8, 0] }, /tensor "w" has shape \[-2\]; expected a list of whole numbers >= 0 \(corrupt header\)/],
    ['swapped offsets', { dtype: 'F32', shape: [2], data_offsets: [8, 0] }, /tensor "w" has data_offsets \[8,0\]; expected \[begin, end\]/],
    ['negative offsets', { dtype: 'F32', shape: [2], data_offsets: [-8, 0] }, /tensor "w" has data_offsets \[-8,0\]/],
    ['three offsets', { dtype: 'F32', shape: [2], data_offsets: [0, 8, 16] }, /tensor "w" has data_offsets \[0,8,16\]/],
    ['string offsets', { dtype: 'F32', shape: [2], data_offsets: ['0', '8'] }, /tensor "w" has data_offsets \["0","8"\]/],
    ['nested shape', { dtype: 'F32', shape: [16, 32, [1]], data_offsets: [0, 2048] }, /tensor "w" has shape \[16,32,\[1\]\]; expected a list of whole numbers >= 0/],
    ['boolean shape', { dtype: 'F32', shape: [true], data_offsets: [0, 4] }, /tensor "w" has shape \[true\]/],
    ['string shape', { dtype: 'F32', shape: ['32'], data_offsets: [0, 128] }, /tensor "w" has shape \["32"\]/],
    ['fractional shape', { dtype: 'F32', shape: [1.5, 2], data_offsets: [0, 12] }, /tensor "w" has shape \[1.5,2\]/],
    ['infinite shape', { dtype: 'F32', shape: [1e400], data_offsets: [0, 8] }, /tensor "w" has shape \[null\]/],
    ['overflowing shape', { dtype: 'F32', shape: [2 ** 52, 2 ** 52], data_offsets: [0, 8] }, /tensor "w" spans 8 bytes but shape \[4503599627370496,4503599627370496\] of F32 needs more than the largest file/],
    ['size mismatch', { dtype: 'BF16', shape: [2], data_offsets: [0, 8] }, /tensor "w" spans 8 bytes but shape \[2\] of BF16 needs 4/],
    ['past the data', { dtype: 'F32', shape: [4], data_offsets: [8, 24] }, /tensor "w" ends at byte 24 of a 16-byte data section \(truncated file\)/],
    ['not an object', [1, 2], /tensor "w" has a malformed header entry/],
    ['null', null, /tensor "w" has a malformed header entry/],
  ];
  for (const [label, entry, pattern] of refused) {
    const bytes = safetensorsBytes({ w: entry }, 16);
    throwsMessage(() => parseSafetensorsHeader(bytes, bytes.byteLength, 'w.safetensors'), new RegExp(`^w\\.safetensors: ${pattern.source}`), label);
  }
  const ok = safetensorsBytes({ __metadata__: { format: 'pt' }, w: { dtype: 'F32', shape: [2], data_offsets: [8, 16] }, e: { dtype: 'F16', shape: [0, 3], data_offsets: [8, 8] } }, 16);
  assert.deepEqual([...parseSafetensorsHeader(ok, ok.byteLength, 'w.safetensors').values()].map((t) => [t.shape, t.byteLength]), [[[2], 8], [[0, 3], 0]]);

  // Through a conversion: the shard that holds the bad entry is named.
  const { checkpoint } = hfGrokCheckpoint(tinyBpeModel, tinyBpeVocab, 83);
  const shard = path.join(checkpoint, 'model-00001-of-00003.safetensors');
  const bytes = fs.readFileSync(shard);
  const length = Number(bytes.readBigUInt64LE(0));
  const header = JSON.parse(bytes.subarray(8, 8 + length).toString());
  header['model.embed_tokens.weight'].shape = [tinyBpeVocab, 32, [2]];
  const json = Buffer.from(JSON.stringify(header));
  const newLength = Buffer.alloc(8);
  newLength.writeBigUInt64LE(BigInt(json.byteLength));
  fs.writeFileSync(shard, Buffer.concat([newLength, json, bytes.subarray(8 + length)])); // offsets count from the data's start
  expectRefusal(checkpoint, shard, /tensor "model.embed_tokens.weight" has shape \[600,32,\[2\]\]; expected a list of whole numbers >= 0/);
});

test('limits: a safetensors header over 100 MB is refused before it is read', () => {
  const { checkpoint } = hfGrokCheckpoint(tinyBpeModel, tinyBpeVocab, 84);
  for (const name of fs.readdirSync(checkpoint)) if (name.includes('safetensors')) fs.rmSync(path.join(checkpoint, name));
  const file = path.join(checkpoint, 'model.safetensors');
  const length = Buffer.alloc(8);
  length.writeBigUInt64LE(3_000_000_000n);
  fs.writeFileSync(file, length);
  try {
    fs.truncateSync(file, 3_100_000_000); // sparse: 3.1 GB that take no disk
    expectRefusal(checkpoint, file, /header claims 3000000000 bytes, over the format's limit of 100000000 \(corrupt file, or not safetensors\)/);
    fs.writeFileSync(file, Buffer.concat([length, Buffer.from('{}')]));
    expectRefusal(checkpoint, file, /header claims 3000000000 bytes, over the format's limit/);
    length.writeBigUInt64LE(2n ** 64n - 1n);
    fs.writeFileSync(file, Buffer.concat([length, Buffer.from('{}')]));
    expectRefusal(checkpoint, file, /header claims 18446744073709551615 bytes, over the format's limit/);
    length.writeBigUInt64LE(50n);
    fs.writeFileSync(file, Buffer.concat([length, Buffer.from('{}')]));
    expectRefusal(checkpoint, file, /header claims 50 bytes but the file has 2 after the length \(truncated or not safetensors\)/);
  } finally {
    fs.rmSync(file);
  }
});

test('limits: shard names in model.safetensors.index.json are plain file names inside the folder', () => {
  const { checkpoint } = hfGrokCheckpoint(tinyBpeModel, tinyBpeVocab, 85);
  const index = path.join(checkpoint, 'model.safetensors.index.json');
  const original = fs.readFileSync(index, 'utf8');
  fs.mkdirSync(path.join(checkpoint, 'subdir'));
  for (const shard of ['..', '.', '', '../model-00001-of-00003.safetensors', 'subdir/x.safetensors', '..\\x.safetensors', 'a\0b', 7, null]) {
    const json = JSON.parse(original);
    json.weight_map['model.embed_tokens.weight'] = shard;
    fs.writeFileSync(index, JSON.stringify(json));
    expectRefusal(checkpoint, index, new RegExp(`tensor "model.embed_tokens.weight" maps to ${escaped(JSON.stringify(shard))}, not a shard file name in the checkpoint folder`), `shard ${JSON.stringify(shard)}`);
  }
  const json = JSON.parse(original);
  json.weight_map['model.embed_tokens.weight'] = 'subdir';
  fs.writeFileSync(index, JSON.stringify(json));
  expectRefusal(checkpoint, index, /names shard "subdir" \(for tensor "model.embed_tokens.weight"\), which is not a file/);
});

/** The merges as first written (every cut of every piece sliced and looked up): the oracle for the linear version. */
function quadraticMerges(pieces: readonly SentencePiece[]): string[] {
  const mergeable = new Map<string, number>();
  pieces.forEach((p, id) => {
    if (p.type === PieceType.normal || p.type === PieceType.userDefined) mergeable.set(p.piece, id);
  });
  const merges: { score: number; id: number; left: number; right: number; text: string }[] = [];
  for (const [merged, id] of mergeable) {
    const chars = [...merged];
    for (let cut = 1; cut < chars.length; cut++) {
      const left = chars.slice(0, cut).join('');
      const right = chars.slice(cut).join('');
      const leftId = mergeable.get(left);
      const rightId = mergeable.get(right);
      if (leftId !== undefined && rightId !== undefined) merges.push({ score: pieces[id].score, id, left: leftId, right: rightId, text: `${left} ${right}` });
    }
  }
  merges.sort((a, b) => b.score - a.score || a.id - b.id || a.left - b.left || a.right - b.right);
  return merges.map((m) => m.text);
}

test('limits: SentencePiece merges are linear in a piece\'s length (a 40,000-character piece, in tokenizer.model or a GGUF token list)', () => {
  const fixture = parseSentencePieceModel(fs.readFileSync(tinyBpeModel), tinyBpeModel).pieces;
  assert.deepEqual(bpeMerges(fixture), quadraticMerges(fixture), 'the fixture vocabulary');
  // Random pieces over a small alphabet with surrogate pairs, a lone surrogate, and duplicates and unmergeable types.
  let seed = 7;
  const random = () => ((seed = (Math.imul(seed, 1103515245) + 12345) >>> 0) / 2 ** 32);
  const alphabet = ['a', 'b', '▁', '🙂', '\ud83d', 'é'];
  const pieces: SentencePiece[] = alphabet.map((piece) => ({ piece, score: 0, type: PieceType.normal }));
  for (let i = 0; i < 3000; i++) {
    const length = 2 + Math.floor(random() * 6);
    const piece = Array.from({ length }, () => alphabet[Math.floor(random() * alphabet.length)]).join('');
    pieces.push({ piece, score: Math.floor(random() * 50), type: random() < 0.9 ? PieceType.normal : random() < 0.5 ? PieceType.userDefined : PieceType.control });
  }
  assert.deepEqual(bpeMerges(pieces), quadraticMerges(pieces), 'random pieces');

  for (const piece of ['x'.repeat(40_000), 'ab'.repeat(100_000)]) {
    const merges = bpeMerges([...fixture, { piece, score: -1e6, type: PieceType.userDefined }]);
    assert.deepEqual(merges, bpeMerges(fixture), 'a long piece that splits into no two pieces adds no merge');
  }
  const withParts = [...fixture, { piece: 'x'.repeat(20_000), score: 0, type: PieceType.normal }, { piece: 'x'.repeat(40_000), score: -1e6, type: PieceType.normal }];
  assert.equal(bpeMerges(withParts).at(-1), `${'x'.repeat(20_000)} ${'x'.repeat(20_000)}`);

  // The same through a GGUF's token list: a 40,000-character token converts (it once took 20 s; `rook bench limits`).
  const gguf = editedGguf((metadata) => {
    const tokens = (metadata.get('tokenizer.ggml.tokens') as { strs: string[] }).strs;
    tokens[tokens.length - 1] = 'x'.repeat(40_000);
  });
  convertCheckpoint(gguf, path.join(tempDir('converted'), 'long-piece'));
});

test('limits: sizes in config.json are bounded, and checked against the weights, before anything is built', () => {
  const checkpoint = editedCheckpoint(() => {}, 86);
  const configFile = path.join(checkpoint, modelFiles.config);
  const original = fs.readFileSync(configFile, 'utf8');
  const refused: [Record<string, unknown>, RegExp][] = [
    [{ num_hidden_layers: 2 ** 32 }, /field "num_hidden_layers" is 4294967296, over Rook's limit of 1024 \(the deepest real models have ~130 layers\)/],
    [{ num_experts: 2 ** 32 }, /field "num_experts" is 4294967296, over Rook's limit of 1024/],
    [{ max_position_embeddings: 1e308 }, /field "max_position_embeddings" is 1e\+308, over Rook's limit of 2097152/],
    [{ max_position_embeddings: 30_000_000 }, /field "max_position_embeddings" is 30000000, over Rook's limit of 2097152/],
    [{ hidden_size: 2 ** 32 }, /field "hidden_size" is 4294967296, over Rook's limit of 65536/],
    [{ intermediate_size: 1e308 }, /field "intermediate_size" is 1e\+308, over Rook's limit of 262144/],
    [{ vocab_size: 2 ** 32 }, /field "vocab_size" is 4294967296, over Rook's limit of 4194304/],
    [{ num_attention_heads: 2 ** 32 }, /field "num_attention_heads" is 4294967296, over Rook's limit of 1024/],
    [{ head_dim: 2 ** 32 }, /field "head_dim" is 4294967296, over Rook's limit of 1024/],
    [{ num_experts_per_tok: 2 ** 32 }, /field "num_experts_per_tok" is 4294967296, over Rook's limit of 1024/],
    [{ rms_norm_eps: 1e308 }, /bad value for field "rms_norm_eps": 1e\+308; expected a \(float32\) number > 0/],
    [{ embedding_multiplier_scale: 1e39 }, /bad value for field "embedding_multiplier_scale": 1e\+39; expected a \(float32\) number > 0/],
    [{ num_hidden_layers: 1024, num_experts: 1024 }, /field "num_hidden_layers" \(1024\) times "num_experts" \(1024\) is over Rook's limit of 65536 expert blocks/],
    [{ max_position_embeddings: 2 ** 21, head_dim: 512 }, /field "max_position_embeddings" \(2097152\) times "head_dim" \(512\) needs 4294967296 bytes of rotary tables, over Rook's limit of 2147483648/],
    [
      { num_hidden_layers: 1000 },
      /field "num_hidden_layers" \(1000\), "num_experts" \(4\), "hidden_size" \(64\), "intermediate_size" \(96\) and "vocab_size" \(600\) imply \d+ weights, at least \d+ bytes, but model.safetensors.index.json holds \d+ bytes of tensor data/,
    ],
    [{ model_type: 'mixtral', hidden_act: 'silu', num_local_experts: 2 ** 32 }, /field "num_local_experts" is 4294967296, over Rook's limit of 1024/],
    [{ model_type: 'mixtral', hidden_act: 'silu', num_local_experts: 4, max_position_embeddings: 4096, sliding_window: 0 }, /bad value for field "sliding_window": 0; expected a positive integer/],
    [{ model_type: 'mixtral', hidden_act: 'silu', num_local_experts: 500 }, /field "num_hidden_layers" \(2\), "num_local_experts" \(500\), .* imply \d+ weights/],
  ];
  for (const [edit, pattern] of refused) {
    fs.writeFileSync(configFile, JSON.stringify({ ...JSON.parse(original), ...edit }));
    expectRefusal(checkpoint, configFile, pattern, JSON.stringify(edit));
  }

  // At the limits, a config is accepted (not built here: a 2M-position rotary table of 16-wide heads is 128 MiB).
  const atLimits = parseModelConfig({ ...serializeModelConfig({ ...tinyGrok, vocabSize: 2 ** 22 }), max_position_embeddings: 2 ** 21, num_hidden_layers: 64, num_experts: 1024 }, 'c.json');
  assert.equal(atLimits.contextLength, 2 ** 21);
  // The weight count the size check uses is the sum over the tensors the graph reads.
  for (const shape of [tinyGrok, tinyMixtral, { ...tinyGrok, numExperts: 7, numLayers: 3, headDim: 32, tiedOutput: false }]) {
    const config = { ...shape, vocabSize: 999 };
    let total = 0;
    for (const dims of decoderTensorShapes(config).values()) total += elementCount(dims);
    assert.equal(decoderWeightCount(config), total);
  }
});

test('limits: sizes in GGUF metadata are bounded, and checked against the tensor data, naming the metadata key', () => {
  const refused: [(metadata: Map<string, GgufValue>) => void, RegExp][] = [
    [(m) => m.set('grok.context_length', { u32: 30_000_000 }), /metadata key "grok.context_length" is 30000000, over Rook's limit of 2097152/],
    [(m) => m.set('grok.block_count', { u32: 2 ** 32 - 1 }), /metadata key "grok.block_count" is 4294967295, over Rook's limit of 1024/],
    [(m) => m.set('grok.expert_count', { u32: 2 ** 32 - 1 }), /metadata key "grok.expert_count" is 4294967295, over Rook's limit of 1024/],
    [(m) => m.set('grok.embedding_length', { u32: 2 ** 31 }), /metadata key "grok.embedding_length" is 2147483648, over Rook's limit of 65536/],
    [(m) => m.set('grok.expert_feed_forward_length', { u32: 2 ** 31 }), /metadata key "grok.expert_feed_forward_length" is 2147483648, over Rook's limit of 262144/],
    [(m) => m.set('grok.attention.key_length', { u32: 4096 }), /metadata key "grok.attention.key_length" is 4096, over Rook's limit of 1024/],
    [(m) => m.set('grok.rope.freq_base', { f32: -1 }), /bad value for metadata key "grok.rope.freq_base": -1; expected a \(float32\) number > 0/],
    [(m) => m.set('tokenizer.ggml.eos_token_id', { u32: 2 ** 31 }), /metadata key "tokenizer.ggml.eos_token_id" \(2147483648\) is outside the vocabulary/],
    [
      (m) => m.set('grok.block_count', { u32: 900 }),
      /metadata key "grok.block_count" \(900\), "grok.expert_count" \(4\), "grok.embedding_length" \(64\), "grok.expert_feed_forward_length" \(96\) and "tokenizer.ggml.tokens" \(\d+\) imply \d+ weights, at least \d+ bytes, but the file holds \d+ bytes of tensor data/,
    ],
  ];
  for (const [edit, pattern] of refused) {
    const file = editedGguf(edit);
    expectRefusal(file, file, pattern, pattern.source.slice(0, 60));
  }
});

/** Every file under `dir` with its bytes, and every folder, for comparing a folder before and after. */
function snapshot(dir: string): Map<string, string> {
  const entries = new Map<string, string>();
  for (const name of fs.readdirSync(dir, { recursive: true }) as string[]) {
    const file = path.join(dir, name);
    entries.set(name, fs.statSync(file).isDirectory() ? 'folder' : fs.readFileSync(file).toString('base64'));
  }
  return entries;
}

test('limits: a failed conversion leaves the out-dir untouched (or absent); a finished one puts every file in place at once', () => {
  const { checkpoint } = hfGrokCheckpoint(tinyBpeModel, tinyBpeVocab, 87);
  const parent = tempDir('converted');
  const out = path.join(parent, 'model');
  const interrupted = (read: number) => {
    if (read === 5) throw new Error('interrupted while reading weights');
  };
  // A new out-dir: nothing is left, not even config.json and tokenizer.json, nor a staging folder.
  assert.throws(() => convertCheckpoint(checkpoint, out, { onProgress: interrupted }), /interrupted while reading weights/);
  assert.equal(fs.existsSync(out), false, 'no out-dir');
  assert.deepEqual(fs.readdirSync(parent), [], 'no staging folder left beside it');

  // A failure after model.onnx is written (the GGUF export refuses a grok model with heads * head_dim != hidden).
  const wide = hfGrokCheckpoint(tinyBpeModel, tinyBpeVocab, 88, { ...tinyHfGrok, headDim: 32 }).checkpoint;
  const wideConfig = path.join(wide, modelFiles.config);
  fs.writeFileSync(wideConfig, JSON.stringify({ ...JSON.parse(fs.readFileSync(wideConfig, 'utf8')), head_dim: 32 }));
  assert.throws(() => convertCheckpoint(wide, out, { gguf: true }), /llama.cpp's grok architecture needs/);
  assert.equal(fs.existsSync(out), false, 'no out-dir after a late failure');
  assert.deepEqual(fs.readdirSync(parent), []);

  // The folder a successful conversion makes has the mode a plain mkdir would give it.
  const result = convertCheckpoint(checkpoint, out);
  fs.mkdirSync(path.join(parent, 'plain'));
  assert.equal(fs.statSync(out).mode, fs.statSync(path.join(parent, 'plain')).mode);
  assert.deepEqual(fs.readdirSync(out).sort(), [...result.files].sort());

  // An existing model folder: a failed conversion changes nothing in it.
  fs.writeFileSync(path.join(out, 'notes.txt'), 'the user\'s own file');
  const before = snapshot(out);
  assert.throws(() => convertCheckpoint(checkpoint, out, { gguf: true, onProgress: interrupted }), /interrupted/);
  assert.deepEqual(snapshot(out), before, 'the existing folder is untouched');
  assert.throws(() => convertCheckpoint(wide, out, { gguf: true }), /llama.cpp's grok architecture needs/);
  assert.deepEqual(snapshot(out), before, 'the existing folder is untouched by a late failure');

  // A finished conversion into it replaces the model's files (a stale model.onnx.data goes), keeping the user's.
  fs.writeFileSync(path.join(out, 'model.onnx.data'), 'stale');
  const again = convertCheckpoint(checkpoint, out, { gguf: true });
  assert.deepEqual(fs.readdirSync(out).sort(), [...again.files, 'notes.txt'].sort());
  assert.equal(fs.readFileSync(path.join(out, 'notes.txt'), 'utf8'), 'the user\'s own file');
});
