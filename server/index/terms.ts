/**
 * The terms the workspace index ranks by: every identifier in a text as a whole, lower-cased, and split the way code
 * names things (camelCase, PascalCase, snake_case, kebab-free ALLCAPS runs, digits), so `parseHttpResponse` is found
 * by "http response" and `MAX_FILE_BYTES` by "file bytes". Keywords of the common languages are left out: they are
 * in almost every chunk, so BM25 would give them nearly no weight, and they would only grow the index.
 */

const identifier = /[A-Za-z_$][\w$]*/g;
/** Boundaries inside an identifier: `fooBar`, `HTTPServer` (before the last capital of a run), `v2`, `_`, `$`. */
const part = /[A-Z]+(?![a-z])|[A-Z]?[a-z]+|\d+/g;

const keywords = new Set(
  (
    'if else for while do switch case break continue return function const let var new this class extends import export from ' +
    'default async await yield try catch finally throw typeof instanceof in of void delete null undefined true false ' +
    'def elif pass lambda self none and or not is with as raise except global nonlocal public private protected static ' +
    'interface type enum implements readonly package func go defer struct fn pub mut impl use mod int string bool'
  ).split(' '),
);

/** The parts of one identifier, lower-cased, each at least two characters long or a number. */
export function identifierParts(name: string): string[] {
  const parts: string[] = [];
  for (const match of name.matchAll(part)) {
    const value = match[0].toLowerCase();
    if (value.length > 1 || /\d/.test(value)) parts.push(value);
  }
  return parts;
}

/** Every term of `text`, repeated as often as it occurs (BM25 counts them): whole identifiers, then their parts. */
export function terms(text: string): string[] {
  const found: string[] = [];
  for (const match of text.matchAll(identifier)) {
    const name = match[0];
    const whole = name.toLowerCase();
    if (whole.length < 2 || keywords.has(whole)) continue;
    found.push(whole);
    const parts = identifierParts(name);
    // A one-part name is its own part: counting it twice would only double its weight.
    if (parts.length > 1) for (const piece of parts) if (!keywords.has(piece)) found.push(piece);
  }
  return found;
}

/**
 * A query from code: the distinct whole identifiers of `text`, lower-cased, the last `max` of them (nearest the
 * cursor when `text` ends there). Whole names, not their parts: a name used here and defined elsewhere is the
 * rarest, most telling term, and a short query keeps ranking fast (each term costs its list of chunks).
 */
export function queryTerms(text: string, max = 12): string[] {
  const distinct: string[] = [];
  const seen = new Set<string>();
  const names = [...text.matchAll(identifier)].map((match) => match[0].toLowerCase());
  for (let i = names.length - 1; i >= 0 && distinct.length < max; i--) {
    const name = names[i];
    if (name.length < 3 || keywords.has(name) || seen.has(name)) continue;
    seen.add(name);
    distinct.push(name);
  }
  return distinct;
}
