import type { CompletionFilter } from './types';

/** In single-line mode only the rest of the current line is offered. */
export const singleLine: CompletionFilter = (completion, context) => {
  if (context.multiline) return completion;
  const newline = completion.indexOf('\n');
  return newline === -1 ? completion : completion.slice(0, newline);
};
