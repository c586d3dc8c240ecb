import type { CompletionFilter } from './types';

/**
 * When text follows the cursor on its line (say `)` or `);`), a completion that ends with that same
 * text would duplicate it on accept; drop the repeated tail.
 */
export const trimLineSuffixOverlap: CompletionFilter = (completion, context) => {
  const tail = context.lineSuffix.trim();
  if (tail === '') return completion;
  const firstLineEnd = completion.indexOf('\n');
  const firstLine = firstLineEnd === -1 ? completion : completion.slice(0, firstLineEnd);
  const trimmed = firstLine.trimEnd();
  if (!trimmed.endsWith(tail)) return completion;
  return trimmed.slice(0, trimmed.length - tail.length) + (firstLineEnd === -1 ? '' : completion.slice(firstLineEnd));
};
