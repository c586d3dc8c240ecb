/**
 * On a blank line inside a block whose closer the code after the cursor has already, an answer that starts by closing
 * the block is cut to nothing (`postprocess/balanceBrackets.ts`), while the user opened the line to write in the block:
 * the small embedded model answered `}` right after `function isObject(obj) {` + Enter. The engine is asked not to start
 * with that closer (`CompletionRequest.notStartingWith`), which costs nothing where its answer would have been kept.
 */
import { closedBrackets, closerFor, unclosedBrackets } from './brackets';
import { onBlankLine } from './postprocess/indentation';
import type { FilterContext } from './postprocess/types';

export function closerToAvoid(context: FilterContext): string | undefined {
  if (!context.multiline || !onBlankLine(context)) return undefined;
  const open = unclosedBrackets(context.prefix);
  const innermost = open.length - 1;
  if (innermost < 0 || !closedBrackets(open, context.suffix, context.linePrefix).has(innermost)) return undefined;
  return closerFor(open[innermost].char);
}
