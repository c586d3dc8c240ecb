/** Which checkpoint format a `config.json` describes: Rook's own (`architecture`), or Hugging Face's `model_type`. */
import { ModelConfigError } from '../config';
import type { CheckpointFormat } from './format';
import { hfGrok } from './hfGrok';
import { hfMixtral } from './hfMixtral';
import { rookFolder } from './rookFolder';

const byModelType: Record<string, CheckpointFormat> = { 'grok-1': hfGrok, mixtral: hfMixtral };
const byArchitecture: Record<string, CheckpointFormat> = { Grok1ModelForCausalLM: hfGrok, MixtralForCausalLM: hfMixtral };

export function detectFormat(json: Record<string, unknown>, file: string): CheckpointFormat {
  if (json.architecture !== undefined) return rookFolder;
  const modelType = json.model_type;
  if (typeof modelType === 'string' && byModelType[modelType]) return byModelType[modelType];
  const architectures = Array.isArray(json.architectures) ? (json.architectures as unknown[]) : [];
  const known = architectures.find((name) => typeof name === 'string' && byArchitecture[name]);
  if (known) return byArchitecture[known as string];
  throw new ModelConfigError(
    file,
    `unknown model_type ${JSON.stringify(modelType ?? null)} (architectures ${JSON.stringify(architectures)}); rook convert reads Hugging Face "grok-1" (Grok1ModelForCausalLM) and "mixtral" (MixtralForCausalLM) checkpoints and Rook model folders`,
  );
}
