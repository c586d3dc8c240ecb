/**
 * GGUF: the file as `rook convert` opens one (header, metadata, vocabulary, config, every tensor's shape), then every
 * tensor's data decoded. Seeds: a tiny Grok model exported by llama.cpp's layout in F32, Q8_0 and Q4_0.
 */
import * as fs from 'node:fs';
import * as path from 'node:path';
import { decoderTensorShapes } from '../../../server/model/arch/decoder';
import { ModelFileError } from '../../../server/model/fileError';
import { GgufCheckpoint } from '../../../server/model/gguf/import';
import { modelFiles } from '../../../server/model/modelFiles';
import { tinyModelFolder } from '../../engine/fixtures';
import type { FuzzTarget } from '../target';
import { scratchFile } from './scratchFile';
import { seedShape } from './seedShape';

const write = scratchFile('model.gguf');

export const target: FuzzTarget = {
  seeds: () =>
    (['none', 'int8', 'int4'] as const).map((quant) => {
      const { dir } = tinyModelFolder({ ...seedShape, routerRenormalize: true }, 5, { gguf: true, quant });
      return fs.readFileSync(path.join(dir, modelFiles.gguf));
    }),
  run(input) {
    const checkpoint = GgufCheckpoint.open(write(input));
    for (const [name] of decoderTensorShapes(checkpoint.config)) void checkpoint.weights.get(name)?.data;
    return 'accepted';
  },
  ownError: (error) => error instanceof ModelFileError,
  // Q4_0: 32 float32 weights (128 bytes) from an 18-byte block.
  expansion: 128 / 18,
};
