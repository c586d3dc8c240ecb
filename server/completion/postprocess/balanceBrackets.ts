import { closedBrackets, unclosedBrackets, visitClosers } from '../brackets';
import type { CompletionFilter } from './types';

/**
 * A completion must not close a bracket that the code after the cursor already closes: that would
 * leave one closer too many. The cut falls before such a closer (before its whole line when only
 * whitespace precedes it). A closer on the first line that the cursor's own line suffix repeats is
 * kept: the replace range (`../replaceRange.ts`) covers the suffix's copy instead. Which bracket a
 * closer closes follows indentation (`visitClosers`): in an unfinished inner block, the suffix's `}`
 * under the outer block closes only the outer one, and the completion may close the inner one.
 */
export const balanceBrackets: CompletionFilter = (completion, context) => {
  const open = unclosedBrackets(context.prefix);
  const closedAfter = closedBrackets(open, context.suffix, context.linePrefix);
  if (closedAfter.size === 0) return completion;
  const closedOnLine = closedBrackets(open, context.lineSuffix, context.linePrefix);
  const newline = completion.indexOf('\n');
  const firstLineEnd = newline === -1 ? completion.length : newline;
  let cutAt: number | undefined;
  visitClosers(
    open,
    completion,
    (openIndex, index) => {
      if (!closedAfter.has(openIndex) || (index < firstLineEnd && closedOnLine.has(openIndex))) return false;
      cutAt = index;
      return true;
    },
    context.linePrefix,
  );
  if (cutAt === undefined) return completion;
  const lineStart = completion.lastIndexOf('\n', cutAt - 1) + 1;
  const onlyWhitespaceBefore = completion.slice(lineStart, cutAt).trim() === '';
  return completion.slice(0, onlyWhitespaceBefore && lineStart > 0 ? lineStart - 1 : cutAt);
};
