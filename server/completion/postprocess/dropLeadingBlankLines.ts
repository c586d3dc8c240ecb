import { onBlankLine } from './indentation';
import type { CompletionFilter } from './types';

/**
 * On a blank line small models often begin with a line break (a quarter of the embedded model's infills did):
 * the ghost text would leave the cursor's line empty and put the code a line lower. When nothing but whitespace is
 * on the cursor's line, leading blank lines are dropped, and so is the indentation the cursor already stands at.
 */
export const dropLeadingBlankLines: CompletionFilter = (completion, context) => {
  if (!onBlankLine(context)) return completion;
  const blank = /^(?:[ \t]*\n)+/.exec(completion);
  if (!blank) return completion;
  const rest = completion.slice(blank[0].length);
  const indent = /^[ \t]*/.exec(rest)![0];
  return indent.startsWith(context.linePrefix) ? rest.slice(context.linePrefix.length) : rest.slice(indent.length);
};
