/**
 * When a streamed completion can stop before its token limit: as soon as the scope filters (single line, the
 * cursor's block, repetition, the next lines of the file) cut it at a finished line, since nothing generated
 * after that line would be shown; and, once the request is past its time budget, at the end of the current
 * line, so a slow multi-line answer still shows its finished lines instead of arriving late.
 */
import { applyFilters, scopeFilters, type FilterContext } from './postprocess';

export type EarlyStopReason = 'scope' | 'time';

/** The text to post-process and why generation can stop, or undefined to keep generating. */
export function earlyStop(raw: string, context: FilterContext, pastTimeBudget: boolean): { text: string; reason: EarlyStopReason } | undefined {
  const lineEnd = raw.lastIndexOf('\n');
  if (lineEnd === -1) return undefined;
  // Only finished lines are judged: an unfinished one could still become, or stop being, a line that cuts.
  const finished = raw.slice(0, lineEnd + 1);
  if (applyFilters(scopeFilters, finished, context).length < finished.length) return { text: raw, reason: 'scope' };
  if (pastTimeBudget && finished.trim() !== '') return { text: finished, reason: 'time' };
  return undefined;
}
