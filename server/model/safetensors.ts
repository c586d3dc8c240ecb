/**
 * The safetensors format: an 8-byte little-endian header length, a JSON header mapping each tensor name to
 * `{dtype, shape, data_offsets}`, then the raw little-endian data. F32, F16 and BF16 are read (as float32) and
 * written; anything else, or a file whose header and data disagree, is reported with the file's path. Big
 * checkpoints are read tensor by tensor: the header first, then each tensor's bytes when it is needed.
 */
import * as fs from 'node:fs';
import { bytesPerElement, decodeFloats, encodeFloats, type FloatDType } from './dtype';
import { elementCount, type FloatTensor, type Weights } from './tensor';
import { accessModelFile, ModelFileError } from './fileError';

export class SafetensorsError extends ModelFileError {
  override name = 'SafetensorsError';
}

interface HeaderEntry {
  dtype: string;
  shape: number[];
  data_offsets: [number, number];
}

function isFloatDType(dtype: string): dtype is FloatDType {
  // Own keys only: `in` would take "constructor" or "toString" for a dtype.
  return Object.hasOwn(bytesPerElement, dtype);
}

/** Where one tensor's bytes lie in a safetensors file. */
export interface StoredTensor {
  dtype: FloatDType;
  shape: number[];
  /** Absolute byte offset in the file. */
  offset: number;
  byteLength: number;
}

/**
 * The tensor table of a safetensors file from its first `8 + header` bytes and its size, checked against each
 * other (a file cut short is reported here, before any data is read).
 */
export function parseSafetensorsHeader(bytes: Uint8Array, fileSize: number, file: string): Map<string, StoredTensor> {
  if (fileSize < 8 || bytes.byteLength < 8) throw new SafetensorsError(file, `file is ${fileSize} bytes, too short for a safetensors header (truncated?)`);
  const view = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  const headerLength = Number(view.getBigUint64(0, true));
  if (headerLength > fileSize - 8 || headerLength > bytes.byteLength - 8) {
    throw new SafetensorsError(file, `header claims ${headerLength} bytes but the file has ${fileSize - 8} after the length (truncated or not safetensors)`);
  }
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
    const entry = value as HeaderEntry;
    if (!entry || !Array.isArray(entry.shape) || !Array.isArray(entry.data_offsets) || typeof entry.dtype !== 'string') {
      throw new SafetensorsError(file, `tensor "${name}" has a malformed header entry`);
    }
    if (!isFloatDType(entry.dtype)) throw new SafetensorsError(file, `tensor "${name}" has dtype ${entry.dtype}; only F32, F16 and BF16 are supported`);
    const [begin, end] = entry.data_offsets;
    const expected = elementCount(entry.shape) * bytesPerElement[entry.dtype];
    if (end - begin !== expected) {
      throw new SafetensorsError(file, `tensor "${name}" spans ${end - begin} bytes but shape [${entry.shape}] of ${entry.dtype} needs ${expected}`);
    }
    if (begin < 0 || end > dataLength) {
      throw new SafetensorsError(file, `tensor "${name}" ends at byte ${end} of a ${dataLength}-byte data section (truncated file)`);
    }
    tensors.set(name, { dtype: entry.dtype, shape: entry.shape, offset: dataStart + begin, byteLength: end - begin });
  }
  return tensors;
}

/** Parses safetensors bytes; `file` names the source in errors. */
export function parseSafetensors(bytes: Uint8Array, file: string): Weights {
  const weights: Weights = new Map();
  for (const [name, stored] of parseSafetensorsHeader(bytes, bytes.byteLength, file)) {
    weights.set(name, { shape: stored.shape, data: decodeFloats(bytes.subarray(stored.offset, stored.offset + stored.byteLength), stored.dtype) });
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
    const length = size >= 8 ? Number(readAt(fd, 8, 0).readBigUInt64LE(0)) : 0;
    return parseSafetensorsHeader(readAt(fd, Math.min(size, 8 + length), 0), size, file);
  } finally {
    fs.closeSync(fd);
  }
}

/** One tensor's values as float32, read from its place in the file. */
export function readStoredTensor(file: string, stored: StoredTensor): Float32Array {
  const fd = fs.openSync(file, 'r');
  try {
    const bytes = readAt(fd, stored.byteLength, stored.offset);
    if (bytes.byteLength !== stored.byteLength) throw new SafetensorsError(file, `file ends inside a tensor (truncated while converting?)`);
    return decodeFloats(bytes, stored.dtype);
  } finally {
    fs.closeSync(fd);
  }
}

/** Serializes tensors (in insertion order) with every tensor stored as `dtype`. */
export function serializeSafetensors(weights: ReadonlyMap<string, FloatTensor>, dtype: FloatDType = 'F32'): Uint8Array {
  const header: Record<string, HeaderEntry> = {};
  const chunks: Uint8Array[] = [];
  let offset = 0;
  for (const [name, tensor] of weights) {
    const data = encodeFloats(tensor.data, dtype);
    header[name] = { dtype, shape: tensor.shape, data_offsets: [offset, offset + data.byteLength] };
    chunks.push(data);
    offset += data.byteLength;
  }
  let headerJson = JSON.stringify(header);
  headerJson += ' '.repeat((8 - (headerJson.length % 8)) % 8); // the format pads the header to 8 bytes
  const headerBytes = Buffer.from(headerJson, 'utf8');
  const out = new Uint8Array(8 + headerBytes.byteLength + offset);
  new DataView(out.buffer).setBigUint64(0, BigInt(headerBytes.byteLength), true);
  out.set(headerBytes, 8);
  let position = 8 + headerBytes.byteLength;
  for (const chunk of chunks) {
    out.set(chunk, position);
    position += chunk.byteLength;
  }
  return out;
}

export function writeSafetensors(file: string, weights: ReadonlyMap<string, FloatTensor>, dtype: FloatDType = 'F32'): void {
  fs.writeFileSync(file, serializeSafetensors(weights, dtype));
}
