/**
 * Prompt token sequences for the local engine. Control tokens (BOS, FIM markers) are inserted by id around the
 * encoded text, so text in a user's file can never become one. Both forms fit `budget` tokens by dropping the
 * oldest prefix tokens; a fill-in-the-middle prompt also keeps at most `suffixShare` of the budget for the suffix
 * (its start, nearest the cursor), since the prefix says more about what comes next.
 *
 * The oldest tokens are dropped in blocks (`cutBlockShare` of the room), not one at a time: then a prompt that
 * grows by a token per keystroke keeps the same first tokens for a block's worth of keystrokes, and the KV
 * cache's prefix keeps matching. A prompt cut this way may be up to a block shorter than its budget.
 */
import type { FimTokenIds, ModelConfig } from '../../model/config';

const cutBlockShare = 1 / 8;
/** The most of a fill-in-the-middle prompt's room the suffix keeps. */
const suffixShare = 0.25;

/** The newest tokens of `tokens` within `room`, dropping the oldest in whole blocks of `room * cutBlockShare`. */
export function keepNewest(tokens: readonly number[], room: number): number[] {
  const excess = tokens.length - room;
  if (excess <= 0) return [...tokens];
  const block = Math.max(1, Math.floor(room * cutBlockShare));
  return tokens.slice(Math.min(tokens.length, Math.ceil(excess / block) * block));
}

/** `<s> prefix`, within `budget` tokens; BOS stays first. */
export function plainPromptTokens(bos: number | undefined, prefix: readonly number[], budget: number): number[] {
  const start = bos === undefined ? [] : [bos];
  return [...start, ...keepNewest(prefix, Math.max(0, budget - start.length))];
}

/**
 * `<s> <fim_prefix> prefix <fim_suffix> suffix <fim_middle>` (prefix-suffix-middle; `<s>` only for a model that
 * starts prompts with it, `bos` undefined otherwise), or with `spm`
 * `<s> <fim_suffix> suffix <fim_prefix> prefix <fim_middle>`, as the model was trained.
 */
export function fimPromptTokens(bos: number | undefined, fim: FimTokenIds, prefix: readonly number[], suffix: readonly number[], budget: number, layout: ModelConfig['fimLayout'] = 'psm'): number[] {
  const start = bos === undefined ? [] : [bos];
  const room = Math.max(0, budget - 3 - start.length);
  const suffixRoom = Math.min(suffix.length, Math.floor(room * suffixShare), room);
  const keptSuffix = suffix.slice(0, Math.max(suffixRoom, room - prefix.length));
  const keptPrefix = keepNewest(prefix, room - keptSuffix.length);
  if (layout === 'spm') return [...start, fim.suffix, ...keptSuffix, fim.prefix, ...keptPrefix, fim.middle];
  return [...start, fim.prefix, ...keptPrefix, fim.suffix, ...keptSuffix, fim.middle];
}
