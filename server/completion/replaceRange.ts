/**
 * How much of the text after the cursor an inline completion replaces. Editors auto-close brackets
 * and quotes, so `foo(|)` often meets a completion like `a, b);` that writes its own `)`. Covering
 * the line suffix's closers with the replace range turns that into `foo(a, b);` instead of
 * `foo(a, b);)`. VS Code shows such an item as ghost text when the replaced text appears, in order,
 * inside the insert text; and the result must still close what the line closed before.
 */
import { closedBrackets, unclosedBrackets } from './brackets';

const autoClosedText = /^[)\]}"'`;,]*/;

/** Number of characters after the cursor, on its line, that `insertText` replaces. */
export function replacedSuffixLength(insertText: string, prefix: string, lineSuffix: string): number {
  const candidate = autoClosedText.exec(lineSuffix)![0];
  if (candidate === '') return 0;
  const firstLine = insertText.split('\n', 1)[0];
  const open = unclosedBrackets(prefix);
  const closedBefore = closedBrackets(open, lineSuffix).size;
  for (let length = candidate.length; length > 0; length--) {
    const covered = candidate.slice(0, length);
    if (isSubsequence(covered, firstLine) && closedBrackets(open, firstLine + lineSuffix.slice(length)).size >= closedBefore) return length;
  }
  return 0;
}

function isSubsequence(needle: string, haystack: string): boolean {
  let from = 0;
  for (const char of needle) {
    const at = haystack.indexOf(char, from);
    if (at === -1) return false;
    from = at + 1;
  }
  return true;
}
