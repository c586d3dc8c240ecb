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

/** A model folder's small shape for seeds: every part of the Grok graph, with rows of 32 (one Q4_0/Q8_0 block). */
export const seedShape = { hiddenSize: 32, numLayers: 1, numHeads: 2, numKvHeads: 1, headDim: 16, numExperts: 2, numExpertsPerToken: 2, expertFfnSize: 32, contextLength: 64 };
