/**
 * Completion post-processing: small pure filters applied in order (each has golden tests in
 * test/unit/server/completion/postprocess.test.ts). Order matters: scope first (single line, the cursor's block,
 * loops of lines, then a loop inside the unfinished last line; the scope filters see the text as generated, so
 * that early stopping agrees with them), then blank lines before the code on a blank cursor line and indentation
 * beyond the cursor's there, then overlap
 * with what follows the cursor, then style and cosmetic trimming.
 */
import { balanceBrackets } from './balanceBrackets';
import { dropLeadingBlankLines } from './dropLeadingBlankLines';
import { keepCursorIndentation } from './keepCursorIndentation';
import { limitScopeByIndentation } from './limitScopeByIndentation';
import { normalizeIndentation } from './normalizeIndentation';
import { removeRepetition } from './removeRepetition';
import { singleLine } from './singleLine';
import { stopAtNextLines } from './stopAtNextLines';
import { stopLoopingLine } from './stopLoopingLine';
import { trimLineSuffixOverlap } from './trimLineSuffixOverlap';
import { trimTrailingWhitespace } from './trimTrailingWhitespace';
import type { CompletionFilter, FilterContext } from './types';

/** The filters that end a completion at a line: text after the line where one cuts is never shown. */
export const scopeFilters: readonly CompletionFilter[] = [singleLine, limitScopeByIndentation, removeRepetition, stopAtNextLines];

export const filters: readonly CompletionFilter[] = [
  ...scopeFilters,
  stopLoopingLine,
  dropLeadingBlankLines,
  keepCursorIndentation,
  balanceBrackets,
  trimLineSuffixOverlap,
  normalizeIndentation,
  trimTrailingWhitespace,
];

export function postprocess(completion: string, context: FilterContext): string {
  return applyFilters(filters, completion, context);
}

export function applyFilters(list: readonly CompletionFilter[], completion: string, context: FilterContext): string {
  return list.reduce((text, filter) => filter(text, context), completion);
}

export type { FilterContext } from './types';
