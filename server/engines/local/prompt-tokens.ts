/**
 * Prompt token sequences for the local engine. Control tokens (BOS, FIM markers) are inserted by id around the
 * encoded text, so text in a user's file can never become one. Both forms fit `budget` tokens by dropping the
 * oldest prefix tokens; a fill-in-the-middle prompt also keeps at most `suffixShare` of the budget for the suffix
 * (its start, nearest the cursor), since the prefix says more about what comes next.
 */
import type { FimTokenIds } from '../../model/config';

/** `<s> prefix`, left-truncated to `budget` tokens. */
export function plainPromptTokens(bos: number, prefix: readonly number[], budget: number): number[] {
  const tokens = [bos, ...prefix];
  return tokens.length > budget ? tokens.slice(tokens.length - budget) : tokens;
}

/** `<s> <fim_prefix> prefix <fim_suffix> suffix <fim_middle>` (prefix-suffix-middle, as the model was trained). */
export function fimPromptTokens(bos: number, fim: FimTokenIds, prefix: readonly number[], suffix: readonly number[], budget: number, suffixShare = 0.25): number[] {
  const room = Math.max(0, budget - 4);
  const suffixRoom = Math.min(suffix.length, Math.floor(room * suffixShare), room);
  const keptSuffix = suffix.slice(0, Math.max(suffixRoom, room - prefix.length));
  const keptPrefix = prefix.slice(Math.max(0, prefix.length - (room - keptSuffix.length)));
  return [bos, fim.prefix, ...keptPrefix, fim.suffix, ...keptSuffix, fim.middle];
}
