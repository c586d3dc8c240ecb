/** Which checkpoint format a `config.json` describes: Rook's own (`architecture`), or Hugging Face's `model_type`. */
import { ModelConfigError } from '../config';
import type { CheckpointFormat } from './format';
import { hfDeepseekV2 } from './hfDeepseekV2';
import { hfGrok } from './hfGrok';
import { hfGrok2 } from './hfGrok2';
import { hfGptOss } from './hfGptOss';
import { hfGraniteMoe } from './hfGraniteMoe';
import { hfMixtral } from './hfMixtral';
import { hfOlmoe } from './hfOlmoe';
import { hfQwen2Moe, hfQwen3Moe } from './hfQwenMoe';
import { rookFolder } from './rookFolder';

// Maps, not plain objects: a name from the file such as "constructor" or "__proto__" must not find Object.prototype's.
const byModelType = new Map<unknown, CheckpointFormat>([
  ['grok-1', hfGrok],
  ['mixtral', hfMixtral],
  ['qwen2_moe', hfQwen2Moe],
  ['qwen3_moe', hfQwen3Moe],
  ['olmoe', hfOlmoe],
  ['granitemoe', hfGraniteMoe],
  ['granitemoeshared', hfGraniteMoe],
  ['gpt_oss', hfGptOss],
  ['deepseek_v2', hfDeepseekV2],
]);
const byArchitecture = new Map<unknown, CheckpointFormat>([
  ['Grok1ModelForCausalLM', hfGrok],
  // xAI's Grok-2 release (its model_type, "git", names no family), as SGLang serves it.
  ['Grok1ForCausalLM', hfGrok2],
  ['MixtralForCausalLM', hfMixtral],
  ['Qwen2MoeForCausalLM', hfQwen2Moe],
  ['Qwen3MoeForCausalLM', hfQwen3Moe],
  ['OlmoeForCausalLM', hfOlmoe],
  ['GraniteMoeForCausalLM', hfGraniteMoe],
  ['GraniteMoeSharedForCausalLM', hfGraniteMoe],
  ['GptOssForCausalLM', hfGptOss],
  ['DeepseekV2ForCausalLM', hfDeepseekV2],
]);

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
    `unknown model_type ${JSON.stringify(modelType ?? null)} (architectures ${JSON.stringify(architectures).slice(0, 200)}); rook convert reads Hugging Face ${[...byModelType.keys()].map((t) => JSON.stringify(t)).join(', ')} checkpoints and Rook model folders`,
  );
}
