import { indentWidth } from './indentation';
import type { CompletionFilter } from './types';

/**
 * A multi-line completion belongs to the cursor's block: it stops at the first line that dedents
 * below that block. When the cursor line opens a block (`{`, `(`, `[`, `:` at its end), the block's
 * body is deeper and its closing line (`}` at the cursor line's indentation) is kept.
 */
export const limitScopeByIndentation: CompletionFilter = (completion, context) => {
  if (!context.multiline) return completion;
  const lines = completion.split('\n');
  if (lines.length < 2) return completion;
  // On a blank line the cursor's own whitespace plus the completion's first line sets the block.
  const cursorLine = context.linePrefix + lines[0];
  const blockIndent = indentWidth(context.linePrefix.trim() === '' ? cursorLine : context.linePrefix);
  const opensBlock = /[{([:]\s*$/.test(cursorLine);
  for (let index = 1; index < lines.length; index++) {
    const line = lines[index];
    if (line.trim() === '') continue;
    const indent = indentWidth(line);
    if (opensBlock ? indent > blockIndent : indent >= blockIndent) continue;
    const closesBlock = opensBlock && indent === blockIndent && /^\s*[)\]}]/.test(line);
    return lines.slice(0, closesBlock ? index + 1 : index).join('\n');
  }
  return completion;
};
