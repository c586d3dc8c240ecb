import { closedCount, scanBrackets, unclosedBrackets, isCloser } from '../brackets';
import type { CompletionFilter } from './types';

/**
 * A completion must not close a bracket that the code after the cursor already closes: that would
 * leave one closer too many. The cut falls before such a closer (before its whole line when only
 * whitespace precedes it). A closer on the first line that the cursor's own line suffix repeats is
 * kept: the replace range (`../replaceRange.ts`) covers the suffix's copy instead.
 */
export const balanceBrackets: CompletionFilter = (completion, context) => {
  const open = unclosedBrackets(context.prefix);
  const closedAfter = closedCount(open, context.suffix);
  if (closedAfter === 0) return completion;
  const closedOnLine = closedCount(open, context.lineSuffix);
  const newline = completion.indexOf('\n');
  const firstLineEnd = newline === -1 ? completion.length : newline;
  const inner: string[] = [];
  let closedByCompletion = 0;
  let cutAt: number | undefined;
  scanBrackets(completion, (bracket, index) => {
    if (cutAt !== undefined) return;
    if (!isCloser(bracket)) inner.push(bracket);
    else if (inner.length > 0) inner.pop();
    else if (++closedByCompletion <= closedAfter && !(index < firstLineEnd && closedByCompletion <= closedOnLine)) cutAt = index;
  });
  if (cutAt === undefined) return completion;
  const lineStart = completion.lastIndexOf('\n', cutAt - 1) + 1;
  const onlyWhitespaceBefore = completion.slice(lineStart, cutAt).trim() === '';
  return completion.slice(0, onlyWhitespaceBefore && lineStart > 0 ? lineStart - 1 : cutAt);
};
