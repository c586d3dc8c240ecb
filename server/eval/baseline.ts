/**
 * A non-neural baseline that uses only the file being edited, so the table shows what the model adds:
 *   line    find the nearest earlier line that starts with what is typed on the cursor's line (indentation aside)
 *           and is longer, and copy the rest of it; nothing when no earlier line matches.
 *   infill  repeat the last non-blank line before the cursor.
 */
import type { EvalCase } from './cases';

export function baselinePrediction(evalCase: EvalCase): string {
  const before = evalCase.document.slice(0, evalCase.offset);
  const lineStart = before.lastIndexOf('\n') + 1;
  const typed = before.slice(lineStart);
  const previous = before.slice(0, lineStart).split('\n').reverse();
  if (evalCase.task === 'line') {
    const key = typed.trimStart();
    const match = previous.find((line) => line.trimStart().startsWith(key) && line.trimStart().length > key.length);
    return match ? match.trimStart().slice(key.length) : '';
  }
  return previous.find((line) => line.trim() !== '') ?? '';
}
