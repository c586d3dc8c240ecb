/**
 * `config.json`: read as `rook convert` reads a checkpoint's (the format detected from it, then Rook's config with
 * every field checked). Seeds: Rook's own config, and Hugging Face Grok-1's and Mixtral's in their own field names.
 */
import * as fs from 'node:fs';
import * as path from 'node:path';
import { serializeModelConfig } from '../../../server/model/config';
import { readCheckpointConfig } from '../../../server/model/convert';
import { ModelFileError } from '../../../server/model/fileError';
import { syntheticTokenizer } from '../../../server/model/synthetic';
import { tinyGrok } from '../../engine/fixtures';
import { hfGrokCheckpoint, hfMixtralCheckpoint } from '../../engine/hfCheckpoints';
import type { FuzzTarget } from '../target';
import { scratchFile } from './scratchFile';

const write = scratchFile('config.json');
const tinyBpeModel = path.resolve(__dirname, '..', '..', '..', '..', 'test', 'fixtures', 'sentencepiece', 'tiny-bpe.model');

export const target: FuzzTarget = {
  seeds: () => {
    const rook = serializeModelConfig({ ...tinyGrok, vocabSize: syntheticTokenizer().vocabSize });
    const grok = hfGrokCheckpoint(tinyBpeModel, 600, 1).hfConfig;
    const mixtral = JSON.parse(fs.readFileSync(path.join(hfMixtralCheckpoint(1).checkpoint, 'config.json'), 'utf8'));
    return [rook, grok, mixtral].map((json) => Buffer.from(JSON.stringify(json, null, 2)));
  },
  run(input) {
    readCheckpointConfig(write(input));
    return 'accepted';
  },
  ownError: (error) => error instanceof ModelFileError,
  expansion: 1,
};
