/**
 * A GGUF (version 3) writer: typed key/value metadata, tensor infos in ggml's dim order (fastest-varying dim
 * first, the reverse of a row-major shape), and 32-byte-aligned tensor data. F32, F16, BF16, Q8_0 / Q4_0 tensors
 * (quantized by `quant.ts`, row by row along the last dim), and the K-quants and MXFP4 of `kQuants.ts`.
 */
import { encodeKQuant, kQuantBlocks, type KQuantType } from './kQuants';
import { bytesPerElement, encodeFloats } from '../dtype';
import { checkWholeBlocks, ggmlBlockBytes, quantBlockSize, quantizeRows, toGgmlBlocks, type QuantOptions, type QuantType } from '../quant';
import { elementCount, type FloatTensor } from '../tensor';
import { writeParts } from '../writeParts';

const alignment = 32;

const ValueType = { uint32: 4, int32: 5, float32: 6, bool: 7, string: 8, array: 9 } as const;

/** Metadata values carry their GGUF type: JavaScript numbers alone cannot say u32 from f32. */
export type GgufValue =
  | { u32: number }
  | { i32: number }
  | { f32: number }
  | { bool: boolean }
  | { str: string }
  | { strs: string[] }
  | { f32s: number[] }
  | { i32s: number[] };

export type GgufTensorType = 'F32' | 'F16' | 'BF16' | 'Q8_0' | 'Q4_0' | KQuantType;
const tensorTypeIds: Record<GgufTensorType, number> = { F32: 0, F16: 1, Q4_0: 2, Q8_0: 8, Q4_K: 12, Q5_K: 13, Q6_K: 14, BF16: 30, MXFP4: 39 };

const linearTensorTypes: Record<QuantType, GgufTensorType> = { none: 'F32', int8: 'Q8_0', int4: 'Q4_0' };

/**
 * The GGUF type of the linear layers a graph built with `options` quantizes: the same blocks, so the same numbers.
 * `match` keeps a GGUF's own types, which are the source file's: there is nothing to write.
 */
export function ggufLinearType(options: QuantOptions): GgufTensorType {
  const { quant = 'none' } = options;
  if (quant === 'match') throw new Error('--quant match keeps a GGUF\'s own block types, so --gguf would write the source file again: use that file, or choose --quant none, int8 or int4');
  return linearTensorTypes[quant];
}

export interface GgufTensor {
  name: string;
  /** Its `data` is read once, when the tensor is written: it may be computed then (`export.ts`), a tensor at a time. */
  tensor: FloatTensor;
  type: GgufTensorType;
}

/** Bytes `tensor`'s values take as `type`, known before they are computed; a tensor that is not whole blocks is refused. */
function payloadBytes(name: string, shape: readonly number[], type: GgufTensorType): number {
  const count = elementCount(shape);
  if (type === 'F32' || type === 'F16' || type === 'BF16') return count * bytesPerElement[type];
  if (type === 'Q8_0' || type === 'Q4_0') {
    checkWholeBlocks(shape, name);
    return (count / quantBlockSize) * ggmlBlockBytes[type === 'Q8_0' ? 8 : 4];
  }
  const { elements, bytes } = kQuantBlocks[type];
  if (count % elements !== 0) throw new Error(`tensor "${name}": ${count} values are not whole ${type} blocks of ${elements}`);
  return (count / elements) * bytes;
}

class ByteWriter {
  private chunks: Buffer[] = [];
  length = 0;

  bytes(data: Uint8Array): void {
    this.chunks.push(Buffer.from(data.buffer, data.byteOffset, data.byteLength));
    this.length += data.byteLength;
  }
  private fixed(size: number, write: (buffer: Buffer) => void): void {
    const buffer = Buffer.alloc(size);
    write(buffer);
    this.bytes(buffer);
  }
  u32(value: number): void {
    this.fixed(4, (b) => b.writeUInt32LE(value));
  }
  i32(value: number): void {
    this.fixed(4, (b) => b.writeInt32LE(value));
  }
  u64(value: number): void {
    this.fixed(8, (b) => b.writeBigUInt64LE(BigInt(value)));
  }
  f32(value: number): void {
    this.fixed(4, (b) => b.writeFloatLE(value));
  }
  string(value: string): void {
    const utf8 = Buffer.from(value, 'utf8');
    this.u64(utf8.byteLength);
    this.bytes(utf8);
  }
  padTo(multiple: number): void {
    const pad = (multiple - (this.length % multiple)) % multiple;
    if (pad) this.bytes(new Uint8Array(pad));
  }
  concat(): Buffer {
    return Buffer.concat(this.chunks);
  }
}

function writeValue(out: ByteWriter, value: GgufValue): void {
  const array = <T>(type: number, items: T[], each: (item: T) => void) => {
    out.u32(ValueType.array);
    out.u32(type);
    out.u64(items.length);
    items.forEach(each);
  };
  if ('u32' in value) (out.u32(ValueType.uint32), out.u32(value.u32));
  else if ('i32' in value) (out.u32(ValueType.int32), out.i32(value.i32));
  else if ('f32' in value) (out.u32(ValueType.float32), out.f32(value.f32));
  else if ('bool' in value) (out.u32(ValueType.bool), out.bytes(Uint8Array.of(value.bool ? 1 : 0)));
  else if ('str' in value) (out.u32(ValueType.string), out.string(value.str));
  else if ('strs' in value) array(ValueType.string, value.strs, (s) => out.string(s));
  else if ('f32s' in value) array(ValueType.float32, value.f32s, (f) => out.f32(f));
  else array(ValueType.int32, value.i32s, (i) => out.i32(i));
}

function encodeTensor(name: string, tensor: FloatTensor, type: GgufTensorType): Uint8Array {
  if (type === 'Q8_0' || type === 'Q4_0') return toGgmlBlocks(quantizeRows(tensor, type === 'Q8_0' ? 8 : 4, name));
  if (type === 'F32' || type === 'F16' || type === 'BF16') return encodeFloats(tensor.data, type);
  return encodeKQuant(type, tensor.data);
}

/**
 * The file's parts in order: the header (metadata, then each tensor's info with its offset, which its shape and type
 * decide), then each tensor's data, encoded when its turn comes, so that only one tensor is in memory at a time.
 */
function* ggufParts(metadata: ReadonlyMap<string, GgufValue>, tensors: readonly GgufTensor[]): Generator<Uint8Array> {
  const out = new ByteWriter();
  out.bytes(Buffer.from('GGUF', 'ascii'));
  out.u32(3);
  out.u64(tensors.length);
  out.u64(metadata.size);
  for (const [key, value] of metadata) {
    out.string(key);
    writeValue(out, value);
  }
  const sizes = tensors.map(({ name, tensor, type }) => payloadBytes(name, tensor.shape, type));
  let offset = 0;
  tensors.forEach(({ name, tensor, type }, i) => {
    out.string(name);
    out.u32(tensor.shape.length);
    for (const dim of [...tensor.shape].reverse()) out.u64(dim);
    out.u32(tensorTypeIds[type]);
    out.u64(offset);
    offset += Math.ceil(sizes[i] / alignment) * alignment;
  });
  out.padTo(alignment);
  yield out.concat();
  for (const [i, { name, tensor, type }] of tensors.entries()) {
    const data = tensor.data; // read once: it may be computed on each read
    if (data.length !== elementCount(tensor.shape)) throw new Error(`tensor "${name}": ${data.length} values for shape [${tensor.shape.join(', ')}]`);
    const payload = encodeTensor(name, { shape: tensor.shape, data }, type);
    if (payload.byteLength !== sizes[i]) throw new Error(`tensor "${name}": ${payload.byteLength} bytes as ${type}, where its shape makes ${sizes[i]}`);
    yield payload;
    yield new Uint8Array((alignment - (payload.byteLength % alignment)) % alignment);
  }
}

export function serializeGguf(metadata: ReadonlyMap<string, GgufValue>, tensors: readonly GgufTensor[]): Buffer {
  return Buffer.concat([...ggufParts(metadata, tensors)]);
}

/** Writes the file a tensor at a time (`writeParts`). */
export function writeGguf(file: string, metadata: ReadonlyMap<string, GgufValue>, tensors: readonly GgufTensor[]): void {
  writeParts(file, ggufParts(metadata, tensors));
}
