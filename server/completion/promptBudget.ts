/**
 * How many characters of prefix, suffix and context snippets a completion prompt gets. Budgets
 * are set in tokens and turned into characters at a conservative ratio for code, since a remote
 * model's tokenizer is not at hand; the local engine also fits the prompt to its context by
 * counting real tokens, so an overestimate there costs nothing but a truncated start.
 */
import type { ContextBudget } from './cursorContext';

/** Code averages 3-4 characters a token in BPE tokenizers; the low end keeps prompts within budget. */
export const charsPerToken = 3;

/** Longer prompts cost more than they help on CPU, where every prompt token is computed. */
export const maxPromptTokens = 2048;

/** Shares of the prompt: the prefix says most about what comes next. */
const shares = { prefix: 0.7, suffix: 0.15, snippets: 0.15 };

export interface PromptBudget extends ContextBudget {
  snippetChars: number;
}

export function promptBudget(contextLength: number | undefined, maxTokens: number): PromptBudget {
  const tokens = Math.max(64, Math.min(maxPromptTokens, (contextLength ?? maxPromptTokens + maxTokens) - maxTokens - 8));
  const chars = tokens * charsPerToken;
  return {
    prefixChars: Math.floor(chars * shares.prefix),
    suffixChars: Math.floor(chars * shares.suffix),
    snippetChars: Math.floor(chars * shares.snippets),
  };
}
