import { leadingWhitespace, onBlankLine } from './indentation';
import type { CompletionFilter } from './types';

/**
 * On a line holding only indentation (where the editor puts the cursor after Enter), the editor has chosen the
 * indentation: an answer whose first line indents further is shifted left as a whole, its first line to start at
 * the cursor and each later line by as much (as far as its own indentation goes), keeping its nesting.
 *
 * Why a shift rather than forbidding deeper indentation while generating: the embedded model answered `{` and two
 * spaces with eight more (`      return`) on 16-72% of held-out line starts; constrained to begin with code, its
 * answers lost 1-2 points of edit similarity against these shifted ones (`bench/completion/README.md`).
 */
export const keepCursorIndentation: CompletionFilter = (completion, context) => {
  if (context.linePrefix === '' || !onBlankLine(context)) return completion;
  const lines = completion.split('\n');
  const extra = leadingWhitespace(lines[0]).length;
  if (extra === 0 || lines[0].trim() === '') return completion;
  return lines.map((line) => line.slice(Math.min(extra, leadingWhitespace(line).length))).join('\n');
};
