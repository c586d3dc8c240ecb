/**
 * The text around the cursor that a completion prompt is built from, cut to a character budget.
 * Cuts fall on line boundaries, and the prefix's start moves in blocks of lines, so it stays put
 * while the user types: that keeps local and server-side prefix caches hitting.
 */
export interface CursorContext {
  prefix: string;
  suffix: string;
  /** Text on the cursor's line before and after the cursor. */
  linePrefix: string;
  lineSuffix: string;
}

export interface ContextBudget {
  prefixChars: number;
  suffixChars: number;
}

export const defaultBudget: ContextBudget = { prefixChars: 6000, suffixChars: 2000 };

export function cursorContext(text: string, offset: number, budget: ContextBudget = defaultBudget): CursorContext {
  const before = text.slice(0, offset);
  const after = text.slice(offset);
  const lineStart = before.lastIndexOf('\n') + 1;
  const newlineAfter = after.indexOf('\n');
  const prefix = before.slice(stablePrefixStart(before, lineStart, budget.prefixChars));
  let suffix = after;
  if (suffix.length > budget.suffixChars) {
    const lastNewline = suffix.lastIndexOf('\n', budget.suffixChars - 1);
    suffix = suffix.slice(0, lastNewline >= 0 ? lastNewline + 1 : budget.suffixChars);
  }
  return {
    prefix,
    suffix,
    linePrefix: before.slice(lineStart),
    lineSuffix: newlineAfter === -1 ? after : after.slice(0, newlineAfter),
  };
}

/** Lines are dropped from the top of the prefix in blocks of this many, so the cut rarely moves. */
const prefixCutLines = 16;

/**
 * Where the prefix starts: the first line start, on a multiple of `prefixCutLines` lines, that
 * keeps the prefix within budget. Typing only moves it when a whole block has to go.
 */
function stablePrefixStart(before: string, cursorLineStart: number, budget: number): number {
  if (before.length <= budget) return 0;
  const lineStarts = [0];
  for (let i = before.indexOf('\n'); i !== -1 && i < cursorLineStart; i = before.indexOf('\n', i + 1)) lineStarts.push(i + 1);
  const firstFitting = lineStarts.findIndex((start) => before.length - start <= budget);
  if (firstFitting === -1) return before.length - budget;
  const blockStart = Math.ceil(firstFitting / prefixCutLines) * prefixCutLines;
  return blockStart < lineStarts.length ? lineStarts[blockStart] : cursorLineStart;
}

/**
 * Multi-line completions make sense on an empty line or after an opening bracket at the line end;
 * anywhere else (mid-expression, text after the cursor) the user wants the rest of the line.
 */
export function wantsMultiline(context: CursorContext): boolean {
  if (context.lineSuffix.trim() !== '' && !/^[\s)\]}]*$/.test(context.lineSuffix)) return false;
  return context.linePrefix.trim() === '' || /[{([:]\s*$/.test(context.linePrefix);
}
