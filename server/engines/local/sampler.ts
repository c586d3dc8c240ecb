/** Next-token choice from logits: greedy at temperature 0, otherwise temperature, top-k and top-p (nucleus) sampling. */

export interface SamplingOptions {
  temperature: number;
  /** Keep only the k most likely tokens; 0 keeps all. */
  topK: number;
  /** Keep the smallest set of most likely tokens whose probability reaches p; 1 keeps all. */
  topP: number;
}

export function argmax(logits: ArrayLike<number>): number {
  let best = 0;
  for (let i = 1; i < logits.length; i++) if (logits[i] > logits[best]) best = i;
  return best;
}

/** log sum exp(logits), computed without overflow: the normalizer of log softmax. */
export function logSumExp(logits: ArrayLike<number>): number {
  let max = -Infinity;
  for (let i = 0; i < logits.length; i++) if (logits[i] > max) max = logits[i];
  let sum = 0;
  for (let i = 0; i < logits.length; i++) sum += Math.exp(logits[i] - max);
  return max + Math.log(sum);
}

/** log softmax(logits)[token]: how likely the model found the token it produced (before temperature, top-k, top-p). */
export function logProbability(logits: ArrayLike<number>, token: number, normalizer = logSumExp(logits)): number {
  return logits[token] - normalizer;
}

/**
 * The `n` most likely tokens, most likely first (the lower id first among equals), with their log softmax;
 * `normalizer` is `logSumExp(logits)` when the caller has it already.
 */
export function topLogProbabilities(logits: ArrayLike<number>, n: number, normalizer?: number): { token: number; logprob: number }[] {
  if (n <= 0) return [];
  // One pass keeping a sorted list of n: n is small (at most 20), the vocabulary is not.
  const top: number[] = [];
  for (let token = 0; token < logits.length; token++) {
    if (top.length === n) {
      if (logits[token] <= logits[top[n - 1]]) continue;
      top.pop();
    }
    let at = top.length;
    while (at > 0 && logits[top[at - 1]] < logits[token]) at--;
    top.splice(at, 0, token);
  }
  const logNormalizer = normalizer ?? logSumExp(logits);
  return top.map((token) => ({ token, logprob: logits[token] - logNormalizer }));
}

/** `logits` with `excluded` set to -Infinity (a copy: the engine's logits rows are shared). */
export function excludeTokens(logits: Float32Array, excluded: readonly number[]): Float32Array {
  const kept = Float32Array.from(logits);
  for (const id of excluded) kept[id] = -Infinity;
  return kept;
}

/** `random` returns uniform numbers in [0, 1). */
export function sampleToken(logits: Float32Array, options: SamplingOptions, random: () => number): number {
  if (options.temperature <= 0) return argmax(logits);
  let candidates = Array.from(logits.keys()).sort((a, b) => logits[b] - logits[a]);
  if (options.topK > 0) candidates = candidates.slice(0, options.topK);
  const max = logits[candidates[0]];
  const weights = candidates.map((token) => Math.exp((logits[token] - max) / options.temperature));
  const total = weights.reduce((a, b) => a + b, 0);
  let kept = candidates.length;
  if (options.topP < 1) {
    let mass = 0;
    kept = 0;
    while (kept < candidates.length && mass < options.topP * total) mass += weights[kept++];
  }
  const keptTotal = weights.slice(0, kept).reduce((a, b) => a + b, 0);
  let threshold = random() * keptTotal;
  for (let i = 0; i < kept; i++) {
    threshold -= weights[i];
    if (threshold < 0) return candidates[i];
  }
  return candidates[kept - 1];
}

/** A seeded uniform generator (mulberry32), so sampled completions can be reproduced. */
export function seededRandom(seed: number): () => number {
  let state = seed >>> 0;
  return () => {
    state = (state + 0x6d2b79f5) >>> 0;
    let t = state;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}
