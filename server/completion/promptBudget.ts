/**
 * How many characters of prefix, suffix and context snippets a completion prompt gets: a token
 * budget from the model's context length, split in shares, turned into characters at the engine's
 * characters-per-token ratio (`charsPerToken.ts`). Staying within it matters for the local engine:
 * a prompt it has to truncate loses its stable start, and with it the KV prefix reuse.
 */
import type { ContextBudget } from './cursorContext';

/** Longer prompts cost more than they help on CPU, where every prompt token is computed. */
export const maxPromptTokens = 2048;

/**
 * Shares of the prompt: the prefix says most about what comes next. The suffix stays small because
 * in a fill-in-the-middle prompt it follows the prefix, so every keystroke recomputes it.
 */
const shares = { prefix: 0.75, suffix: 0.1, snippets: 0.15 };

export interface PromptBudget extends ContextBudget {
  snippetChars: number;
}

export function promptBudget(contextLength: number | undefined, maxTokens: number, charsPerToken: number): PromptBudget {
  const tokens = Math.max(64, Math.min(maxPromptTokens, (contextLength ?? maxPromptTokens + maxTokens) - maxTokens - 8));
  const chars = tokens * charsPerToken;
  return {
    prefixChars: Math.floor(chars * shares.prefix),
    suffixChars: Math.floor(chars * shares.suffix),
    snippetChars: Math.floor(chars * shares.snippets),
  };
}
