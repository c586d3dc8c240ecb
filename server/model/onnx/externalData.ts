/**
 * ONNX external data: initializer bytes in a file beside `model.onnx` instead of inside it, which models over the
 * 2 GB protobuf limit need. Tensors are appended as the graph is built, so no more than the tensor at hand is held
 * in memory; each gets the `location`/`offset`/`length` entries of ONNX's TensorProto.external_data. Offsets are
 * aligned to 4 KiB so ONNX Runtime can memory-map them.
 */
import * as fs from 'node:fs';
import * as path from 'node:path';
import type { onnx } from 'onnx-proto';

const alignment = 4096;

export class ExternalDataWriter {
  private readonly fd: number;
  private offset = 0;
  /** The file name `model.onnx` refers to, relative to the model's folder. */
  readonly location: string;

  constructor(readonly file: string) {
    this.location = path.basename(file);
    this.fd = fs.openSync(file, 'w');
  }

  /** Writes `bytes` and returns the TensorProto external_data entries that point at them. */
  append(bytes: Uint8Array): onnx.IStringStringEntryProto[] {
    const start = Math.ceil(this.offset / alignment) * alignment;
    let written = 0;
    while (written < bytes.byteLength) written += fs.writeSync(this.fd, bytes, written, bytes.byteLength - written, start + written);
    this.offset = start + bytes.byteLength;
    return [
      { key: 'location', value: this.location },
      { key: 'offset', value: String(start) },
      { key: 'length', value: String(bytes.byteLength) },
    ];
  }

  /** Bytes written so far. */
  get size(): number {
    return this.offset;
  }

  close(): void {
    fs.closeSync(this.fd);
  }
}
