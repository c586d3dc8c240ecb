/** The readers take paths: each input is written to one file of the worker's own, overwritten input by input. */
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';

export function scratchFile(name: string): (input: Uint8Array) => string {
  const file = path.join(fs.mkdtempSync(path.join(os.tmpdir(), 'rook-fuzz-')), name);
  return (input) => {
    fs.writeFileSync(file, input);
    return file;
  };
}
