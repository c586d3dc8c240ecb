import type { CompletionFilter } from './types';

/** Trailing spaces and blank lines are noise in ghost text and would be inserted on accept. */
export const trimTrailingWhitespace: CompletionFilter = (completion) => completion.replace(/\s+$/, '');
