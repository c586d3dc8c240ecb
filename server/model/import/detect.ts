/** Which checkpoint format a `config.json` describes: Rook's own (`architecture`), or Hugging Face's `model_type`. */
import { ModelConfigError } from '../config';
import type { CheckpointFormat } from './format';
import { hfGrok } from './hfGrok';
import { hfMixtral } from './hfMixtral';
import { rookFolder } from './rookFolder';

// Maps, not plain objects: a name from the file such as "constructor" or "__proto__" must not find Object.prototype's.
const byModelType = new Map<unknown, CheckpointFormat>([['grok-1', hfGrok], ['mixtral', hfMixtral]]);
const byArchitecture = new Map<unknown, CheckpointFormat>([['Grok1ModelForCausalLM', hfGrok], ['MixtralForCausalLM', hfMixtral]]);

export function detectFormat(json: Record<string, unknown>, file: string): CheckpointFormat {
  if (json.architecture !== undefined) return rookFolder;
  const modelType = json.model_type;
  const byType = byModelType.get(modelType);
  if (byType) return byType;
  const architectures = Array.isArray(json.architectures) ? (json.architectures as unknown[]) : [];
  const known = architectures.find((name) => byArchitecture.has(name));
  if (known !== undefined) return byArchitecture.get(known)!;
  throw new ModelConfigError(
    file,
    `unknown model_type ${JSON.stringify(modelType ?? null)} (architectures ${JSON.stringify(architectures)}); rook convert reads Hugging Face "grok-1" (Grok1ModelForCausalLM) and "mixtral" (MixtralForCausalLM) checkpoints and Rook model folders`,
  );
}
