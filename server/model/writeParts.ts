/**
 * Writes a file from its parts in order, as a generator makes them, so that a model file is never one buffer: Node's
 * buffers end at 4 GiB, and a model's file may not fit in memory at all.
 */
import * as fs from 'node:fs';

export function writeParts(file: string, parts: Iterable<Uint8Array>): void {
  const fd = fs.openSync(file, 'w');
  try {
    for (const part of parts) {
      // A write(2) moves at most ~2 GiB: a larger part takes several.
      for (let done = 0; done < part.byteLength; ) done += fs.writeSync(fd, part, done, part.byteLength - done);
    }
  } finally {
    fs.closeSync(fd);
  }
}
