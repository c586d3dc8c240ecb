/**
 * The text around the cursor that a completion prompt is built from, cut to a character budget.
 * Cuts fall on line boundaries so the prompt's start stays put while the user types on one line,
 * which keeps local and server-side prefix caches hitting.
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
  let prefix = before;
  if (prefix.length > budget.prefixChars) {
    const cut = prefix.length - budget.prefixChars;
    const nextLine = prefix.indexOf('\n', cut);
    prefix = nextLine === -1 || nextLine >= lineStart ? prefix.slice(cut) : prefix.slice(nextLine + 1);
  }
  let suffix = after;
  if (suffix.length > budget.suffixChars) {
    const lastLine = suffix.lastIndexOf('\n', budget.suffixChars);
    suffix = suffix.slice(0, lastLine > newlineAfter ? lastLine + 1 : budget.suffixChars);
  }
  return {
    prefix,
    suffix,
    linePrefix: before.slice(lineStart),
    lineSuffix: newlineAfter === -1 ? after : after.slice(0, newlineAfter),
  };
}

/**
 * Multi-line completions make sense on an empty line or after an opening bracket at the line end;
 * anywhere else (mid-expression, text after the cursor) the user wants the rest of the line.
 */
export function wantsMultiline(context: CursorContext): boolean {
  if (context.lineSuffix.trim() !== '' && !/^[\s)\]}]*$/.test(context.lineSuffix)) return false;
  return context.linePrefix.trim() === '' || /[{([:]\s*$/.test(context.linePrefix);
}
