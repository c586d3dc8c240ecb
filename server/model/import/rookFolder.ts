/** A Rook model folder (`config.json` in Rook's format): config and tensor names are already Rook's. */
import { parseModelConfig } from '../config';
import type { CheckpointFormat } from './format';

export const rookFolder: CheckpointFormat = {
  label: 'Rook model folder',
  modelConfig: (json, file) => parseModelConfig(json, file),
  sourceName: (rookName) => rookName,
};
