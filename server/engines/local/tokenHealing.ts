/**
 * Token healing for a cursor inside a word. A prompt that ends at the cursor ends on a token boundary the model
 * seldom saw in training: `export functio` is tokenized as `▁func` `tio`, where the model only ever saw `▁function`.
 * Greedy decoding then rarely continues the word (measured on the held-out cases: the embedded model answered
 * `export functio` with ` {`). Healing drops the prompt's last tokens that cover the partly typed word and makes the
 * first generated tokens spell it again, so the model picks the tokenization it knows; the re-spelled text is not
 * shown (guidance's "token healing", applied over a whole partial word rather than one token).
 *
 * Pure functions over token texts; the engine supplies each token's text and applies the constraint.
 */
import { logSumExp } from './sampler';

/** How far back healing reaches: a partial word longer than this is left as typed. */
export const healingLimits = { maxTokens: 8, maxChars: 48 };

export interface Healing {
  /** How many of the prompt's tokens stay in the prompt. */
  kept: number;
  /** The text the dropped tokens spelled, which the generation must start with (empty: no healing). */
  text: string;
}

/** The identifier characters just before the cursor: the part of a word the user is still typing. */
const partialWord = /[\p{L}\p{N}_$]*$/u;

/** Text healing may re-spell: printable ASCII, tabs and line breaks (a character split over byte tokens is not). */
const healable = /^[\x20-\x7e\t\n\r]+$/;

/**
 * Which of `tokens` (the tokenized `prefix`) to drop: at least the last one, and as many more as cover the partial
 * word before the cursor, within `healingLimits`. `tailText(count)` is the text of the last `count` tokens, with
 * a word-start space kept. Tokens whose text does not end `prefix` exactly (a normalizer changed it) end the reach.
 */
export function healingSplit(prefix: string, tokens: readonly number[], tailText: (count: number) => string): Healing {
  const word = partialWord.exec(prefix)?.[0].length ?? 0;
  let healing: Healing = { kept: tokens.length, text: '' };
  for (let count = 1; count <= Math.min(healingLimits.maxTokens, tokens.length); count++) {
    const text = tailText(count);
    if (text.length > healingLimits.maxChars || !healable.test(text) || !prefix.endsWith(text)) break;
    healing = { kept: tokens.length - count, text };
    if (text.length >= word) break;
  }
  return healing;
}

/**
 * The tokens that may come next while `remaining` is still to be spelled: those that spell exactly what is left
 * (`ending`: the word ends at the cursor), and those that start with it (`continuing`: the word goes on past the
 * cursor), with `part`, the next of the tokens the prompt spelled the typed text with (the word spelled as the
 * tokenizer spells it). Only that part: allowing any token that spells a part of the rest let the model spell
 * ` my_` as ` `, `m`, `y`, `_`, a tokenization it never saw, after which it went on a character at a time
 * (`return my_` became `return my_my_my_`). `texts[id]` is undefined for tokens that must never be chosen here
 * (control tokens, partial characters).
 */
export function healingCandidates(remaining: string, texts: readonly (string | undefined)[], part?: number): { ending: number[]; continuing: number[] } {
  const ending: number[] = [];
  const continuing: number[] = [];
  for (let id = 0; id < texts.length; id++) {
    const text = texts[id];
    if (!text) continue;
    if (text === remaining) ending.push(id);
    else if (text.startsWith(remaining) || (id === part && remaining.startsWith(text))) continuing.push(id);
  }
  return { ending, continuing };
}

/**
 * The tokens a greedy choice picks among: the group, ending or continuing, that holds more of the probability.
 * Taking the likeliest single token instead would end the word at the cursor whenever the model spreads its belief
 * that the word goes on over several tokens (`deprecated`, `depress`, …) and puts more on `pre` alone than on any
 * one of them. Sampling keeps both groups.
 */
export function healingAllowed(logits: Float32Array, candidates: { ending: number[]; continuing: number[] }, greedy: boolean): number[] {
  const { ending, continuing } = candidates;
  if (!greedy || ending.length === 0 || continuing.length === 0) return [...continuing, ...ending];
  // Each group's log probability mass, up to the softmax's common normalizer.
  const logMass = (ids: readonly number[]) => logSumExp(ids.map((id) => logits[id]));
  return logMass(ending) >= logMass(continuing) ? ending : continuing;
}

/** What is left to spell after `chosen` (a candidate's text) comes next. */
export function remainingAfter(remaining: string, chosen: string): string {
  return chosen.length >= remaining.length ? '' : remaining.slice(chosen.length);
}

/** `logits` with every token but `allowed` set to -Infinity (a copy: the engine's logits rows are shared). */
export function restrictLogits(logits: Float32Array, allowed: readonly number[]): Float32Array {
  const restricted = new Float32Array(logits.length).fill(-Infinity);
  for (const id of allowed) restricted[id] = logits[id];
  return restricted;
}
