import type { CursorContext } from '../cursorContext';

/** One post-processing step: a pure function from raw completion text to cleaned text. */
export type CompletionFilter = (completion: string, context: FilterContext) => string;

export interface FilterContext extends CursorContext {
  multiline: boolean;
}
