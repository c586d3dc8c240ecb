/**
 * Client-sent values as error messages and the log may show them: short, and printable. A request
 * can carry a 500 KB string or terminal escape sequences in any field; echoing that whole would let a
 * client fill the operator's log, forge log lines or drive the operator's terminal, and would bounce a
 * huge value back in the error. So a value is shown by its type and size, and a string by at most
 * its first few characters, quoted, with everything outside printable ASCII escaped as `\uXXXX`.
 */

/** Characters of a string shown before it is cut. */
export const excerptChars = 32;

/** `text` quoted, every character outside printable ASCII (controls, DEL, line separators, bidi marks, all of Unicode) as `\uXXXX`. */
export function quotePrintable(text: string): string {
  return `"${text.replace(/["\\]|[^\x20-\x7e]/g, (c) => (c === '"' || c === '\\' ? `\\${c}` : `\\u${c.charCodeAt(0).toString(16).padStart(4, '0')}`))}"`;
}

/** A string quoted and escaped, cut after `maxChars` characters with its length said when it was longer. */
export function excerpt(text: string, maxChars = excerptChars): string {
  if (text.length <= maxChars) return quotePrintable(text);
  return `${quotePrintable(text.slice(0, maxChars))}... (${text.length} characters)`;
}

/** Any JSON value, described in bounded space: strings by `excerpt`, numbers and literals as written, containers by their size. */
export function describeValue(value: unknown, maxChars = excerptChars): string {
  if (typeof value === 'string') return excerpt(value, maxChars);
  if (typeof value === 'number' || typeof value === 'boolean' || value === null) return String(value);
  if (Array.isArray(value)) return `an array of ${value.length} items`;
  if (typeof value === 'object') return 'an object';
  return typeof value;
}

/** Text for a log field: as it is when short and plain (printable ASCII, no spaces), else as an `excerpt`. */
export function logField(text: string, maxChars = 128): string {
  return text.length <= maxChars && /^[\x21-\x7e]*$/.test(text) && !text.startsWith('"') ? text : excerpt(text, maxChars);
}
