/**
 * A GGUF (version 2 and 3) reader: typed metadata (every GGUF value type, arrays of arrays included), tensor infos
 * and where each tensor's data lies. Everything the header claims is checked against the file's size before it is
 * allocated or read, so a truncated or corrupt file is reported as `<file>: <problem>` instead of crashing. Tensor
 * data is read on demand: F32, F16 and BF16, and llama.cpp's Q8_0 / Q4_0 blocks dequantized (by `quant.ts`) to
 * float32. Shapes are row-major (the reverse of ggml's fastest-dim-first order).
 */
import * as fs from 'node:fs';
import { bytesPerElement, decodeFloats } from '../dtype';
import { dequantize, fromGgmlBlocks, ggmlBlockBytes, quantBlockSize } from '../quant';
import { decodeKQuant, kQuantBlocks, type KQuantType } from './kQuants';
import type { FloatTensor } from '../tensor';
import { accessModelFile, ModelFileError } from '../fileError';

export class GgufError extends ModelFileError {
  override name = 'GgufError';
}

export type GgufMetadataValue = number | bigint | boolean | string | GgufMetadataValue[];

/** The block-quantized types Rook reads. */
export type GgufBlockType = 'Q4_0' | 'Q8_0' | KQuantType;
export type GgufReadType = 'F32' | 'F16' | 'BF16' | GgufBlockType;

export const isBlockType = (type: GgufReadType): type is GgufBlockType => type !== 'F32' && type !== 'F16' && type !== 'BF16';

interface ReadableType {
  name: GgufReadType;
  blockElements: number;
  blockBytes: number;
}

/** The tensor types Rook reads, by ggml type id (a Map: ids come from the file). */
const readableTypes = new Map<number, ReadableType>([
  [0, { name: 'F32', blockElements: 1, blockBytes: bytesPerElement.F32 }],
  [1, { name: 'F16', blockElements: 1, blockBytes: bytesPerElement.F16 }],
  [30, { name: 'BF16', blockElements: 1, blockBytes: bytesPerElement.BF16 }],
  [2, { name: 'Q4_0', blockElements: quantBlockSize, blockBytes: ggmlBlockBytes[4] }],
  [8, { name: 'Q8_0', blockElements: quantBlockSize, blockBytes: ggmlBlockBytes[8] }],
  [12, { name: 'Q4_K', blockElements: kQuantBlocks.Q4_K.elements, blockBytes: kQuantBlocks.Q4_K.bytes }],
  [13, { name: 'Q5_K', blockElements: kQuantBlocks.Q5_K.elements, blockBytes: kQuantBlocks.Q5_K.bytes }],
  [14, { name: 'Q6_K', blockElements: kQuantBlocks.Q6_K.elements, blockBytes: kQuantBlocks.Q6_K.bytes }],
  [39, { name: 'MXFP4', blockElements: kQuantBlocks.MXFP4.elements, blockBytes: kQuantBlocks.MXFP4.bytes }],
]);

/** Names of common ggml types Rook does not read, for the error. */
const otherTypeNames = new Map<number, string>([[3, 'Q4_1'], [6, 'Q5_0'], [7, 'Q5_1'], [9, 'Q8_1'], [10, 'Q2_K'], [11, 'Q3_K'], [15, 'Q8_K']]);

export interface GgufTensorInfo {
  name: string;
  type: GgufReadType;
  /** Row-major: `[experts, out, in]` for a stacked expert matrix. */
  shape: number[];
  /** Absolute byte offset of the data in the file. */
  offset: number;
  byteLength: number;
}

export interface GgufHeader {
  version: number;
  metadata: Map<string, GgufMetadataValue>;
  tensors: Map<string, GgufTensorInfo>;
}

/** Typed access to a header's required and optional metadata keys, each error naming the key. */
export class GgufMetadata {
  constructor(
    private readonly values: ReadonlyMap<string, GgufMetadataValue>,
    private readonly file: string,
  ) {}

  optionalNumber(key: string): number | undefined {
    const value = this.values.get(key);
    if (value === undefined) return undefined;
    if (typeof value !== 'number') throw new GgufError(this.file, `metadata key "${key}" is ${JSON.stringify(String(value))}, not a number (corrupt file)`);
    return value;
  }

  /** The error for a key the model's architecture cannot do without. */
  missing(key: string): GgufError {
    return new GgufError(this.file, `missing metadata key "${key}", which the model's architecture needs; the file is incomplete or was not written for llama.cpp`);
  }

  optionalString(key: string): string | undefined {
    const value = this.values.get(key);
    if (value !== undefined && typeof value !== 'string') throw new GgufError(this.file, `metadata key "${key}" is not a string (corrupt file)`);
    return value;
  }

  optionalBool(key: string): boolean | undefined {
    const value = this.values.get(key);
    if (value !== undefined && typeof value !== 'boolean') throw new GgufError(this.file, `metadata key "${key}" is not a bool (corrupt file)`);
    return value;
  }

  /** An array whose elements all pass `is`; undefined when absent. */
  optionalArray<T>(key: string, is: (item: unknown) => item is T, kind: string): T[] | undefined {
    const value = this.values.get(key);
    if (value === undefined) return undefined;
    if (!Array.isArray(value) || !value.every(is)) throw new GgufError(this.file, `metadata key "${key}" is not an array of ${kind} (corrupt file)`);
    return value as T[];
  }
}

const maxDims = 4;
const defaultAlignment = 32;
const readChunk = 1 << 20;

/**
 * Bounds on what a header's length and count fields may claim, checked before anything is allocated (besides the
 * bytes left in the file, which bound a corrupt count no better than the file's size).
 */
export const ggufLimits = {
  /** The GGUF spec caps keys at 2^16 - 1 bytes; tensor names are far shorter still (llama.cpp: under 64). */
  nameBytes: 65535,
  /** The longest strings real files hold are chat templates, tens of KiB; 16 MiB leaves ample room. */
  stringBytes: 16 * 1024 * 1024,
  /** The longest arrays are the vocabulary's (tokens, scores, types, merges): at most 2^22 tokens (config.ts), with room. */
  arrayLength: 2 ** 24,
  /** Arrays of arrays are legal but shallow: llama.cpp writes none deeper than 2. Deep nesting would recurse without end. */
  arrayNesting: 4,
  /** Real files have tens of keys. */
  metadataEntries: 2 ** 20,
  /** A tensor per expert matrix of the largest model config.ts admits (1024 layers, 1024 experts) is ~3.2M. */
  tensors: 2 ** 23,
} as const;

/** Sequential little-endian reads from the file, each checked against its size first. */
class HeaderCursor {
  private buffer = Buffer.alloc(0);
  private bufferStart = 0;
  position = 0;

  constructor(
    private readonly fd: number,
    readonly size: number,
    readonly file: string,
  ) {}

  fail(problem: string): never {
    throw new GgufError(this.file, problem);
  }

  private take(length: number, what: string): Buffer {
    const end = this.position + length;
    if (end > this.size) this.fail(`${what} runs past the end of the ${this.size}-byte file (truncated file); download the GGUF file again`);
    if (this.position < this.bufferStart || end > this.bufferStart + this.buffer.length) {
      this.buffer = Buffer.alloc(Math.min(Math.max(length, readChunk), this.size - this.position));
      fs.readSync(this.fd, this.buffer, 0, this.buffer.length, this.position);
      this.bufferStart = this.position;
    }
    const bytes = this.buffer.subarray(this.position - this.bufferStart, end - this.bufferStart);
    this.position = end;
    return bytes;
  }

  u8 = (what: string) => this.take(1, what).readUInt8();
  i8 = (what: string) => this.take(1, what).readInt8();
  u16 = (what: string) => this.take(2, what).readUInt16LE();
  i16 = (what: string) => this.take(2, what).readInt16LE();
  u32 = (what: string) => this.take(4, what).readUInt32LE();
  i32 = (what: string) => this.take(4, what).readInt32LE();
  f32 = (what: string) => this.take(4, what).readFloatLE();
  f64 = (what: string) => this.take(8, what).readDoubleLE();
  u64 = (what: string) => this.take(8, what).readBigUInt64LE();
  i64 = (what: string) => this.take(8, what).readBigInt64LE();

  /**
   * A u64 count of items of at least `minBytes` each, which must fit in what is left of the file and be at most
   * `limit` (one of `ggufLimits`), checked before anything is allocated for them.
   */
  count(what: string, minBytes: number, limit: number): number {
    const count = this.u64(what);
    const left = this.size - this.position;
    if (count * BigInt(minBytes) > BigInt(left)) this.fail(`${what} is ${count}, more than the ${left} bytes left in the file can hold (truncated or corrupt file)`);
    if (count > BigInt(limit)) this.fail(`${what} is ${count}, over Rook's limit of ${limit} (corrupt file)`);
    return Number(count);
  }

  string(what: string, limit: number = ggufLimits.stringBytes): string {
    return this.take(this.count(`length of ${what}`, 1, limit), what).toString('utf8');
  }
}

const ValueType = { u8: 0, i8: 1, u16: 2, i16: 3, u32: 4, i32: 5, f32: 6, bool: 7, string: 8, array: 9, u64: 10, i64: 11, f64: 12 } as const;
/** The fewest bytes a value of each type takes, to bound array lengths. */
const minValueBytes = [1, 1, 2, 2, 4, 4, 4, 1, 8, 12, 8, 8, 8];

/** The shortest decimal that is the same float32 (1e-5, not 0.000009999999747378752), as the writer's number was. */
function shortestFloat32(value: number): number {
  for (let digits = 1; digits < 17; digits++) {
    const candidate = Number(value.toPrecision(digits));
    if (Math.fround(candidate) === value) return candidate;
  }
  return value;
}

function safeNumber(value: bigint): number | bigint {
  return value <= BigInt(Number.MAX_SAFE_INTEGER) && value >= BigInt(Number.MIN_SAFE_INTEGER) ? Number(value) : value;
}

/** A metadata value; `depth` counts the arrays it is nested in. */
function readValue(cursor: HeaderCursor, type: number, what: string, depth = 0): GgufMetadataValue {
  switch (type) {
    case ValueType.u8: return cursor.u8(what);
    case ValueType.i8: return cursor.i8(what);
    case ValueType.u16: return cursor.u16(what);
    case ValueType.i16: return cursor.i16(what);
    case ValueType.u32: return cursor.u32(what);
    case ValueType.i32: return cursor.i32(what);
    case ValueType.f32: return shortestFloat32(cursor.f32(what));
    case ValueType.f64: return cursor.f64(what);
    case ValueType.u64: return safeNumber(cursor.u64(what));
    case ValueType.i64: return safeNumber(cursor.i64(what));
    case ValueType.string: return cursor.string(what);
    case ValueType.bool: {
      const byte = cursor.u8(what);
      if (byte > 1) cursor.fail(`${what} is a bool stored as ${byte}, not 0 or 1 (corrupt file)`);
      return byte === 1;
    }
    case ValueType.array: {
      const itemType = cursor.u32(`element type of ${what}`);
      if (minValueBytes[itemType] === undefined) cursor.fail(`${what} is an array of unknown value type ${itemType} (corrupt file, or a GGUF newer than Rook reads)`);
      if (itemType === ValueType.array && depth + 2 > ggufLimits.arrayNesting) {
        cursor.fail(`${what} nests arrays more than ${ggufLimits.arrayNesting} deep; GGUF arrays of arrays are legal but shallow (corrupt file)`);
      }
      const length = cursor.count(`length of ${what}`, minValueBytes[itemType], ggufLimits.arrayLength);
      const items: GgufMetadataValue[] = new Array(length);
      for (let i = 0; i < length; i++) items[i] = readValue(cursor, itemType, what, depth + 1);
      return items;
    }
    default:
      return cursor.fail(`${what} has unknown value type ${type} (corrupt file, or a GGUF newer than Rook reads)`);
  }
}

function readTensorInfo(cursor: HeaderCursor, index: number): Omit<GgufTensorInfo, 'offset'> & { relativeOffset: bigint } {
  const name = cursor.string(`name of tensor ${index}`, ggufLimits.nameBytes);
  const what = `tensor "${name}"`;
  const dimCount = cursor.u32(`dimension count of ${what}`);
  if (dimCount < 1 || dimCount > maxDims) cursor.fail(`${what} has ${dimCount} dimensions; GGUF tensors have 1 to ${maxDims} (corrupt file)`);
  const ggmlDims: number[] = [];
  let elements = 1;
  for (let d = 0; d < dimCount; d++) {
    const dim = cursor.u64(`dimensions of ${what}`);
    if (dim === 0n || dim * BigInt(elements) > BigInt(Number.MAX_SAFE_INTEGER)) cursor.fail(`${what} has dimension ${dim}, which is zero or overflows the element count (corrupt file)`);
    ggmlDims.push(Number(dim));
    elements *= Number(dim);
  }
  const typeId = cursor.u32(`type of ${what}`);
  const type = readableTypes.get(typeId);
  if (!type) {
    const known = otherTypeNames.get(typeId);
    cursor.fail(
      known
        ? `${what} has type ${known}, which Rook does not read; use a GGUF with F32, F16, BF16, Q8_0, Q4_0, Q4_K, Q5_K, Q6_K or MXFP4 tensors (or convert the original checkpoint)`
        : `${what} has unknown tensor type ${typeId} (corrupt file, or a type Rook does not read: F32, F16, BF16, Q8_0, Q4_0, Q4_K, Q5_K, Q6_K and MXFP4 are read)`,
    );
  }
  if (ggmlDims[0] % type.blockElements !== 0) cursor.fail(`${what} has rows of ${ggmlDims[0]} values, not whole ${type.name} blocks of ${type.blockElements} (corrupt file)`);
  const relativeOffset = cursor.u64(`data offset of ${what}`);
  return { name, type: type.name, shape: ggmlDims.reverse(), byteLength: (elements / type.blockElements) * type.blockBytes, relativeOffset };
}

function alignmentOf(metadata: ReadonlyMap<string, GgufMetadataValue>, file: string): number {
  const alignment = metadata.get('general.alignment') ?? defaultAlignment;
  if (typeof alignment !== 'number' || alignment < 1 || !Number.isInteger(alignment) || (alignment & (alignment - 1)) !== 0) {
    throw new GgufError(file, `general.alignment is ${String(alignment)}, not a power of two (corrupt file)`);
  }
  return alignment;
}

/** Reads and checks the header of `file`: metadata, tensor infos, and that every tensor's data lies inside the file. */
export function readGgufHeader(file: string): GgufHeader {
  const fd = accessModelFile(file, (path) => fs.openSync(path, 'r'), GgufError);
  try {
    const cursor = new HeaderCursor(fd, fs.fstatSync(fd).size, file);
    if (cursor.size < 4 || cursor.u32('magic') !== 0x46554747) cursor.fail('not a GGUF file (it does not start with "GGUF"); pass a .gguf model file or a checkpoint folder');
    const version = cursor.u32('version');
    if (version !== 2 && version !== 3) cursor.fail(`GGUF version ${version} is not supported (Rook reads versions 2 and 3); re-export the model with a current llama.cpp`);
    const tensorCount = cursor.count('tensor count', 8 + 4 + 8 + 4 + 8, ggufLimits.tensors);
    const metadataCount = cursor.count('metadata count', 8 + 4 + 1, ggufLimits.metadataEntries);
    const metadata = new Map<string, GgufMetadataValue>();
    for (let i = 0; i < metadataCount; i++) {
      const key = cursor.string(`key of metadata entry ${i}`, ggufLimits.nameBytes);
      if (metadata.has(key)) cursor.fail(`metadata key "${key}" appears twice (corrupt file)`);
      metadata.set(key, readValue(cursor, cursor.u32(`type of metadata key "${key}"`), `metadata key "${key}"`));
    }
    const infos = Array.from({ length: tensorCount }, (_, i) => readTensorInfo(cursor, i));
    const alignment = alignmentOf(metadata, file);
    const dataStart = Math.ceil(cursor.position / alignment) * alignment;
    const tensors = new Map<string, GgufTensorInfo>();
    for (const { relativeOffset, ...info } of infos) {
      if (tensors.has(info.name)) cursor.fail(`tensor "${info.name}" appears twice (corrupt file)`);
      if (relativeOffset % BigInt(alignment) !== 0n) cursor.fail(`tensor "${info.name}" starts at offset ${relativeOffset}, not a multiple of the alignment ${alignment} (corrupt file)`);
      const end = BigInt(dataStart) + relativeOffset + BigInt(info.byteLength);
      if (end > BigInt(cursor.size)) cursor.fail(`tensor "${info.name}" data ends at byte ${end}, past the end of the ${cursor.size}-byte file (truncated file); download the GGUF file again`);
      tensors.set(info.name, { ...info, offset: dataStart + Number(relativeOffset) });
    }
    return { version, metadata, tensors };
  } finally {
    fs.closeSync(fd);
  }
}

/**
 * The bytes of `info` as `file` holds them; with `slab`, only that index along the leading dim (one expert of a
 * stacked expert tensor).
 */
export function readGgufBytes(file: string, info: GgufTensorInfo, slab?: number): Uint8Array {
  const byteLength = slab === undefined ? info.byteLength : info.byteLength / info.shape[0];
  const bytes = Buffer.alloc(byteLength);
  const fd = fs.openSync(file, 'r');
  try {
    const read = fs.readSync(fd, bytes, 0, byteLength, info.offset + (slab ?? 0) * byteLength);
    if (read !== byteLength) throw new GgufError(file, `tensor "${info.name}" data was cut short while reading (the file changed?)`);
  } finally {
    fs.closeSync(fd);
  }
  return bytes;
}

/** The float32 values of `info` read from `file`; `slab` as for `readGgufBytes`. */
export function readGgufTensor(file: string, info: GgufTensorInfo, slab?: number): FloatTensor {
  const shape = slab === undefined ? info.shape : info.shape.slice(1);
  const bytes = readGgufBytes(file, info, slab);
  if (info.type === 'Q8_0' || info.type === 'Q4_0') return dequantize(fromGgmlBlocks(bytes, info.type === 'Q8_0' ? 8 : 4, shape));
  if (info.type === 'F32' || info.type === 'F16' || info.type === 'BF16') return { shape, data: decodeFloats(bytes, info.type) };
  return { shape, data: decodeKQuant(info.type, bytes, shape.reduce((a, b) => a * b, 1)) };
}
