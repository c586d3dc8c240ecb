/**
 * A bracket scanner for completion text: which brackets a piece of code leaves open, and which
 * brackets opened before it a following piece closes. String literals on a line are skipped so
 * `")"` does not count; comments are not understood (a rare miscount only trims a suggestion).
 */
const closerOf: Record<string, string> = { '(': ')', '[': ']', '{': '}' };
const closers = new Set(Object.values(closerOf));

/** Calls `onBracket` for each bracket outside string literals, with its index in `text`. */
export function scanBrackets(text: string, onBracket: (bracket: string, index: number) => void): void {
  let quote: string | undefined;
  for (let index = 0; index < text.length; index++) {
    const char = text[index];
    if (quote) {
      if (char === '\\') index++;
      else if (char === quote || (char === '\n' && quote !== '`')) quote = undefined;
    } else if (char === '"' || char === "'" || char === '`') quote = char;
    else if (char in closerOf || closers.has(char)) onBracket(char, index);
  }
}

/** Brackets `text` opens and does not close, outermost first. */
export function unclosedBrackets(text: string): string[] {
  const stack: string[] = [];
  scanBrackets(text, (bracket) => {
    if (bracket in closerOf) stack.push(bracket);
    else if (closerOf[stack[stack.length - 1]] === bracket) stack.pop();
  });
  return stack;
}

/**
 * How many of `open` (innermost last) `text` closes, in order from the innermost, stopping at the
 * first closer that does not match.
 */
export function closedCount(open: readonly string[], text: string): number {
  const inner: string[] = [];
  let closed = 0;
  let mismatch = false;
  scanBrackets(text, (bracket) => {
    if (mismatch) return;
    if (bracket in closerOf) inner.push(bracket);
    else if (inner.length > 0) inner.pop();
    else if (closerOf[open[open.length - 1 - closed]] === bracket) closed++;
    else mismatch = true;
  });
  return closed;
}

export function isCloser(char: string): boolean {
  return closers.has(char);
}
