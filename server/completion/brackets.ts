/**
 * A bracket scanner for completion text: which brackets a piece of code leaves open, and which
 * brackets opened before it a following piece closes. String literals on a line are skipped so
 * `")"` does not count; comments are not understood (a rare miscount only trims a suggestion).
 */
import { leadingWhitespace } from './postprocess/indentation';
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

/** A bracket left open, and the indentation of the line it opens on. */
export interface OpenBracket {
  char: string;
  indent: number;
}

const indentBefore = (text: string, index: number): number => leadingWhitespace(text.slice(text.lastIndexOf('\n', index - 1) + 1, index)).length;

/** Brackets `text` opens and does not close, outermost first. */
export function unclosedBrackets(text: string): OpenBracket[] {
  const stack: OpenBracket[] = [];
  scanBrackets(text, (bracket, index) => {
    if (bracket in closerOf) stack.push({ char: bracket, indent: indentBefore(text, index) });
    else if (closerOf[stack[stack.length - 1]?.char] === bracket) stack.pop();
  });
  return stack;
}

/**
 * Walks the closers in `text` (code that follows the brackets `open`, innermost last) that close one of `open`, calling
 * `visit` with the index in `open` it closes, its index in `text`, and whether the bracket kinds match; `visit`
 * returns true to stop. A closer that begins its line closes the innermost open bracket whose line is indented no
 * deeper than the closer (formatted code puts a closer under its opener's line), so in an unfinished inner block a `}`
 * at the outer block's indentation closes the outer block and leaves the inner one open. Any other closer closes the
 * innermost. `linePrefix` is the text before `text` on its first line; absent, the first line does not start a line.
 */
export function visitClosers(
  open: readonly OpenBracket[],
  text: string,
  visit: (openIndex: number, index: number, matches: boolean) => boolean | void,
  linePrefix?: string,
): void {
  let innermost = open.length - 1;
  let depth = 0;
  let stopped = false;
  scanBrackets(text, (bracket, index) => {
    if (stopped) return;
    if (bracket in closerOf) depth++;
    else if (depth > 0) depth--;
    else if (innermost >= 0) {
      const lineStart = text.lastIndexOf('\n', index - 1) + 1;
      const lineBefore = lineStart === 0 ? linePrefix : '';
      const startsLine = lineBefore !== undefined && lineBefore.trim() === '' && text.slice(lineStart, index).trim() === '';
      const column = (lineBefore?.length ?? 0) + index - lineStart;
      let target = innermost;
      if (startsLine) {
        while (target > 0 && open[target].indent > column) target--;
        if (open[target].indent > column) target = innermost;
      }
      stopped = visit(target, index, closerOf[open[target].char] === bracket) === true;
      innermost = target - 1;
    }
  });
}

/** The indices in `open` of the brackets that `text` closes (see `visitClosers`), up to the first closer that does not match. */
export function closedBrackets(open: readonly OpenBracket[], text: string, linePrefix?: string): Set<number> {
  const closed = new Set<number>();
  visitClosers(open, text, (openIndex, _, matches) => !matches || (closed.add(openIndex), false), linePrefix);
  return closed;
}

/** The closer of an opening bracket. */
export function closerFor(opener: string): string {
  return closerOf[opener];
}
