/** The readers take paths: each input is written to one file of the worker's own, overwritten input by input. */
import * as fs from 'node:fs';
import * as path from 'node:path';
import { tempDir } from '../../support/tempDir';

export function scratchFile(name: string): (input: Uint8Array) => string {
  // Removed at exit: in a campaign's worker thread its temp folder goes anyway, but `--replay` runs here.
  const file = path.join(tempDir('fuzz'), name);
  return (input) => {
    fs.writeFileSync(file, input);
    return file;
  };
}
