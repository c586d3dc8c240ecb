/**
 * The MoE families that convert from their own Hugging Face layouts, as the tests that run converted models where
 * users run them (`rook complete`, `rook serve`, the sidecar) list them, and the local engine's greedy text they compare
 * with.
 */
import { drain } from '../../server/engines/engine';
import { LocalEngine } from '../../server/engines/local/localEngine';
import { tinyDeepseekV2, tinyGptOss, tinyGraniteMoeShared, tinyHfGrok2, tinyOlmoe, tinyQwen2Moe, tinyQwen3Moe } from '../engine/hfCheckpoints';

export const convertibleFamilies = [
  ['Qwen3-MoE', tinyQwen3Moe],
  ['Qwen2-MoE', tinyQwen2Moe],
  ['OLMoE', tinyOlmoe],
  ['Granite MoE shared', tinyGraniteMoeShared],
  ['gpt-oss', tinyGptOss],
  ['DeepSeek-V2-Lite', tinyDeepseekV2],
  ['Grok-2', tinyHfGrok2],
] as const;

/** The local engine's greedy text for `prompt` on a folder; `tokenHealing` as the editor's completion path asks. */
export async function greedyText(dir: string, prompt: string, tokenHealing = false): Promise<string> {
  const engine = await LocalEngine.load({ modelPath: dir, executionProvider: 'cpu', threads: 1 });
  try {
    return (await drain(engine.complete({ prompt, maxTokens: 16, temperature: 0, tokenHealing }, new AbortController().signal))).text;
  } finally {
    await engine.dispose();
  }
}
