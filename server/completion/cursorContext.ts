/**
 * The text around the cursor that a completion prompt is built from, cut to a character budget.
 * Cuts fall on line boundaries, and the prefix's start moves in steps of a quarter budget, so it
 * stays put while the user types: that keeps local and server-side prefix caches hitting.
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

/**
 * The prefix's start moves in steps of this share of its budget: typing moves it once every that
 * many characters, and the prefix keeps at least the rest of its budget.
 */
const cutStepShare = 0.25;

/**
 * Where the prefix starts: the first line start at or after a step-aligned offset that keeps the
 * prefix within budget (the offset itself inside a line longer than that). Only the text near the
 * cut is searched, so the cost does not grow with the document.
 */
function stablePrefixStart(before: string, cursorLineStart: number, budget: number): number {
  if (before.length <= budget) return 0;
  const step = Math.max(1, Math.floor(budget * cutStepShare));
  const aligned = Math.ceil((before.length - budget) / step) * step;
  const newline = before.indexOf('\n', aligned - 1);
  return newline !== -1 && newline < cursorLineStart ? newline + 1 : aligned;
}

/**
 * Multi-line completions make sense on an empty line or after an opening bracket at the line end;
 * anywhere else (mid-expression, text after the cursor) the user wants the rest of the line.
 */
export function wantsMultiline(context: CursorContext): boolean {
  if (context.lineSuffix.trim() !== '' && !/^[\s)\]}]*$/.test(context.lineSuffix)) return false;
  return context.linePrefix.trim() === '' || /[{([:]\s*$/.test(context.linePrefix);
}
