import type { CompletionFilter } from './types';

/**
 * Models often run on into code that already follows the cursor. Cut the completion at the first
 * line that repeats the next non-blank line of the suffix.
 */
export const stopAtNextLines: CompletionFilter = (completion, context) => {
  const nextLine = context.suffix
    .slice(context.lineSuffix.length)
    .split('\n')
    .map((line) => line.trim())
    .find((line) => line !== '');
  if (!nextLine) return completion;
  const lines = completion.split('\n');
  const repeatAt = lines.findIndex((line, index) => index > 0 && line.trim() === nextLine);
  return repeatAt === -1 ? completion : lines.slice(0, repeatAt).join('\n');
};
