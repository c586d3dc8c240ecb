/** Jaccard similarity over identifier sets: cheap, tokenizer-free relevance for context snippets. */

const identifier = /[A-Za-z_$][\w$]*/g;

/** Identifiers of two or more characters; single letters are loop variables and say little. */
export function identifiers(text: string): Set<string> {
  const found = new Set<string>();
  for (const match of text.matchAll(identifier)) if (match[0].length > 1) found.add(match[0]);
  return found;
}

export function jaccard(a: ReadonlySet<string>, b: ReadonlySet<string>): number {
  if (a.size === 0 || b.size === 0) return 0;
  let shared = 0;
  const [small, large] = a.size <= b.size ? [a, b] : [b, a];
  for (const item of small) if (large.has(item)) shared++;
  return shared / (a.size + b.size - shared);
}
