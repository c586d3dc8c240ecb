/** Every llama.cpp architecture Rook writes and reads, and the one a model of Rook's is exported as. */
import type { ModelConfig } from '../../config';
import type { GgufArchitecture } from './common';
import { deepseek2 } from './deepseek2';
import { gptOss } from './gptoss';
import { granitemoe } from './granitemoe';
import { grok } from './grok';
import { llama } from './llama';
import { olmoe } from './olmoe';
import { qwen2moe } from './qwen2moe';
import { qwen3moe } from './qwen3moe';

export const ggufArchitectures: ReadonlyMap<string, GgufArchitecture> = new Map([grok, llama, qwen2moe, qwen3moe, olmoe, granitemoe, gptOss, deepseek2].map((a) => [a.name, a]));

/** A `grok`-family model is llama.cpp's `grok` with sandwich norms, else (Mixtral-style) its `llama`; other families have one each. */
export function ggufArchitectureFor(config: ModelConfig): GgufArchitecture {
  if (config.architecture === 'grok') return config.normPlacement === 'pre' ? llama : grok;
  return [...ggufArchitectures.values()].find((a) => a.family === config.architecture)!;
}
