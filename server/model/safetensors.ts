/**
 * The safetensors format: an 8-byte little-endian header length, a JSON header mapping each tensor name to
 * `{dtype, shape, data_offsets}`, then the raw little-endian data. F32, F16 and BF16 are read (as float32) and
 * written; U8 tensors are read as bytes only (the blocks and scales of an MXFP4 pair, `import/mxfp4.ts`); anything
 * else, or a file whose header and data disagree, is reported with the file's path. Big
 * checkpoints are read tensor by tensor: the header first, then each tensor's bytes when it is needed.
 */
import * as fs from 'node:fs';
import { bytesPerElement, decodeFloats, encodeFloats, type FloatDType } from './dtype';
import { elementCount, type FloatTensor, type Weights } from './tensor';
import { accessModelFile, ModelFileError } from './fileError';
import { writeParts } from './writeParts';

export class SafetensorsError extends ModelFileError {
  override name = 'SafetensorsError';
}

interface HeaderEntry {
  dtype: string;
  shape: number[];
  data_offsets: [number, number];
}

/** What a stored tensor may hold: floats, or raw bytes (U8). */
export type StoredDType = FloatDType | 'U8';

function isStoredDType(dtype: string): dtype is StoredDType {
  // Own keys only: `in` would take "constructor" or "toString" for a dtype.
  return dtype === 'U8' || Object.hasOwn(bytesPerElement, dtype);
}

/** Where one tensor's bytes lie in a safetensors file. */
export interface StoredTensor {
  dtype: StoredDType;
  shape: number[];
  /** Absolute byte offset in the file. */
  offset: number;
  byteLength: number;
}

/** The reference safetensors library refuses a header over 100 MB (its MAX_HEADER_SIZE); Rook does too, before reading it. */
export const maxHeaderBytes = 100_000_000;

/** The header length the file's first 8 bytes claim, checked against the limit and the file's size. */
function headerLengthOf(lengthBytes: Uint8Array, fileSize: number, file: string): number {
  if (fileSize < 8 || lengthBytes.byteLength < 8) throw new SafetensorsError(file, `file is ${fileSize} bytes, too short for a safetensors header (truncated?)`);
  const length = new DataView(lengthBytes.buffer, lengthBytes.byteOffset, 8).getBigUint64(0, true);
  if (length > BigInt(maxHeaderBytes)) throw new SafetensorsError(file, `header claims ${length} bytes, over the format's limit of ${maxHeaderBytes} (corrupt file, or not safetensors)`);
  if (length > BigInt(fileSize - 8)) throw new SafetensorsError(file, `header claims ${length} bytes but the file has ${fileSize - 8} after the length (truncated or not safetensors)`);
  return Number(length);
}

const isByteCount = (value: unknown): value is number => Number.isSafeInteger(value) && (value as number) >= 0;

/** A value from the header for a message, cut short if long. */
function shown(value: unknown): string {
  const text = JSON.stringify(value) ?? String(value);
  return text.length > 80 ? `${text.slice(0, 80)}...` : text;
}

/**
 * The tensor table of a safetensors file from its first `8 + header` bytes and its size, checked against each
 * other (a file cut short is reported here, before any data is read): every shape a list of whole numbers, every
 * `data_offsets` a `[begin, end]` pair of whole byte offsets with begin <= end <= the data's size, and the bytes the
 * shape and dtype need exactly `end - begin`.
 */
export function parseSafetensorsHeader(bytes: Uint8Array, fileSize: number, file: string): Map<string, StoredTensor> {
  const headerLength = headerLengthOf(bytes, fileSize, file);
  if (headerLength > bytes.byteLength - 8) throw new SafetensorsError(file, `header claims ${headerLength} bytes but only ${bytes.byteLength - 8} were read (truncated file)`);
  let header: Record<string, unknown>;
  try {
    header = JSON.parse(Buffer.from(bytes.subarray(8, 8 + headerLength)).toString('utf8')) as Record<string, unknown>;
  } catch (error) {
    throw new SafetensorsError(file, `header is not valid JSON (${(error as Error).message})`);
  }
  if (typeof header !== 'object' || header === null || Array.isArray(header)) throw new SafetensorsError(file, 'header is not a JSON object');
  const dataStart = 8 + headerLength;
  const dataLength = fileSize - dataStart;
  const tensors = new Map<string, StoredTensor>();
  for (const [name, value] of Object.entries(header)) {
    if (name === '__metadata__') continue;
    const entry = value as Partial<HeaderEntry> | null;
    if (typeof entry !== 'object' || entry === null || Array.isArray(entry) || !Array.isArray(entry.shape) || !Array.isArray(entry.data_offsets) || typeof entry.dtype !== 'string') {
      throw new SafetensorsError(file, `tensor "${name}" has a malformed header entry (expected {"dtype", "shape", "data_offsets"})`);
    }
    if (!isStoredDType(entry.dtype)) throw new SafetensorsError(file, `tensor "${name}" has dtype ${entry.dtype}; only F32, F16 and BF16 are supported (and U8 for MXFP4 blocks and scales)`);
    const { shape, data_offsets: offsets, dtype } = entry;
    if (!shape.every(isByteCount)) throw new SafetensorsError(file, `tensor "${name}" has shape ${shown(shape)}; expected a list of whole numbers >= 0 (corrupt header)`);
    if (offsets.length !== 2 || !offsets.every(isByteCount) || offsets[0] > offsets[1]) {
      throw new SafetensorsError(file, `tensor "${name}" has data_offsets ${shown(offsets)}; expected [begin, end], whole byte offsets with begin <= end (corrupt header)`);
    }
    const [begin, end] = offsets;
    const expected = elementCount(shape) * (dtype === 'U8' ? 1 : bytesPerElement[dtype]);
    if (end - begin !== expected) {
      const needs = Number.isSafeInteger(expected) ? `${expected}` : 'more than the largest file';
      throw new SafetensorsError(file, `tensor "${name}" spans ${end - begin} bytes but shape [${shape}] of ${dtype} needs ${needs}`);
    }
    if (end > dataLength) {
      throw new SafetensorsError(file, `tensor "${name}" ends at byte ${end} of a ${dataLength}-byte data section (truncated file)`);
    }
    tensors.set(name, { dtype, shape, offset: dataStart + begin, byteLength: end - begin });
  }
  return tensors;
}

/** Parses safetensors bytes; `file` names the source in errors. */
export function parseSafetensors(bytes: Uint8Array, file: string): Weights {
  const weights: Weights = new Map();
  for (const [name, stored] of parseSafetensorsHeader(bytes, bytes.byteLength, file)) {
    weights.set(name, { shape: stored.shape, data: floatsOf(bytes.subarray(stored.offset, stored.offset + stored.byteLength), stored.dtype, name, file) });
  }
  return weights;
}

export function readSafetensors(file: string): Weights {
  return parseSafetensors(accessModelFile(file, (path) => fs.readFileSync(path), SafetensorsError), file);
}

function readAt(fd: number, length: number, position: number): Buffer {
  const buffer = Buffer.alloc(length);
  let done = 0;
  while (done < length) {
    const read = fs.readSync(fd, buffer, done, length - done, position + done);
    if (read === 0) break;
    done += read;
  }
  return buffer.subarray(0, done);
}

/** The tensor table of a safetensors file, reading only its header (for files too big to hold in memory). */
export function readSafetensorsHeader(file: string): Map<string, StoredTensor> {
  const fd = accessModelFile(file, (path) => fs.openSync(path, 'r'), SafetensorsError);
  try {
    const size = fs.fstatSync(fd).size;
    // The length is checked (limit, file size) before the header's bytes are allocated and read.
    const length = headerLengthOf(readAt(fd, 8, 0), size, file);
    return parseSafetensorsHeader(readAt(fd, 8 + length, 0), size, file);
  } finally {
    fs.closeSync(fd);
  }
}

/** A float tensor's values; a U8 one is not a weight by itself (a byte is no number of a known scale). */
function floatsOf(bytes: Uint8Array, dtype: StoredDType, name: string, file: string): Float32Array {
  if (dtype === 'U8') throw new SafetensorsError(file, `tensor "${name}" has dtype U8, which Rook reads only as the blocks or scales of an MXFP4 weight (name_blocks, name_scales); quantized checkpoints are not read otherwise: use the bf16/fp16 release`);
  return decodeFloats(bytes, dtype);
}

/** One tensor's bytes as stored, read from its place in the file. */
export function readStoredBytes(file: string, stored: StoredTensor): Uint8Array {
  const fd = fs.openSync(file, 'r');
  try {
    const bytes = readAt(fd, stored.byteLength, stored.offset);
    if (bytes.byteLength !== stored.byteLength) throw new SafetensorsError(file, `file ends inside a tensor (truncated while converting?)`);
    return bytes;
  } finally {
    fs.closeSync(fd);
  }
}

/** One tensor's values as float32, read from its place in the file. */
export function readStoredTensor(file: string, stored: StoredTensor, name: string): Float32Array {
  return floatsOf(readStoredBytes(file, stored), stored.dtype, name, file);
}

/** The file's parts in order: the 8-byte header length, the header (padded to 8 bytes), then each tensor's bytes. */
function* safetensorsParts(weights: ReadonlyMap<string, FloatTensor>, dtype: FloatDType): Generator<Uint8Array> {
  const header: Record<string, HeaderEntry> = {};
  let offset = 0;
  for (const [name, tensor] of weights) {
    const byteLength = elementCount(tensor.shape) * bytesPerElement[dtype];
    header[name] = { dtype, shape: tensor.shape, data_offsets: [offset, offset + byteLength] };
    offset += byteLength;
  }
  let headerJson = JSON.stringify(header);
  headerJson += ' '.repeat((8 - (headerJson.length % 8)) % 8); // the format pads the header to 8 bytes
  const headerBytes = Buffer.from(headerJson, 'utf8');
  const length = new Uint8Array(8);
  new DataView(length.buffer).setBigUint64(0, BigInt(headerBytes.byteLength), true);
  yield length;
  yield headerBytes;
  for (const [name, tensor] of weights) {
    if (tensor.data.length !== elementCount(tensor.shape)) throw new Error(`tensor "${name}": ${tensor.data.length} values for shape [${tensor.shape.join(', ')}]`);
    yield encodeFloats(tensor.data, dtype);
  }
}

/** Serializes tensors (in insertion order) with every tensor stored as `dtype`. */
export function serializeSafetensors(weights: ReadonlyMap<string, FloatTensor>, dtype: FloatDType = 'F32'): Uint8Array {
  const parts = [...safetensorsParts(weights, dtype)];
  const out = new Uint8Array(parts.reduce((total, part) => total + part.byteLength, 0)); // its own buffer, at offset 0
  let position = 0;
  for (const part of parts) {
    out.set(part, position);
    position += part.byteLength;
  }
  return out;
}

/** Writes the file a tensor at a time (`writeParts`). */
export function writeSafetensors(file: string, weights: ReadonlyMap<string, FloatTensor>, dtype: FloatDType = 'F32'): void {
  writeParts(file, safetensorsParts(weights, dtype));
}
