/** Leading-whitespace helpers shared by the indentation-aware filters. */
import type { FilterContext } from './types';

/** Nothing but whitespace on the cursor's line, before or after the cursor. */
export function onBlankLine(context: FilterContext): boolean {
  return context.linePrefix.trim() === '' && context.lineSuffix.trim() === '';
}

/** The leading spaces and tabs of a line. */
export function leadingWhitespace(line: string): string {
  return /^[ \t]*/.exec(line)![0];
}

/** Width of leading whitespace, a tab counting as `tabSize` columns. */
export function indentWidth(line: string, tabSize = 4): number {
  let width = 0;
  for (const char of leadingWhitespace(line)) width += char === '\t' ? tabSize : 1;
  return width;
}
