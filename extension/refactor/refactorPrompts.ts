/**
 * The fixed instructions of the commands that reuse the rewrite flow (Fix, Add Docs) and the question
 * Explain asks in the chat. Pure, so their wording is tested without VS Code.
 */

export interface DiagnosticSummary {
  message: string;
  source?: string;
  /** 1-based, as users read line numbers. */
  line: number;
}

export function fixInstruction(problem: DiagnosticSummary): string {
  const reporter = problem.source ? ` (reported by ${problem.source})` : '';
  return `Fix this problem at line ${problem.line}${reporter}: ${problem.message}. Change only what the fix needs.`;
}

/** Doc comments go above the code, except Python's docstrings, which go inside. */
export function docsInstruction(languageId: string): string {
  const style = languageId === 'python' ? 'a docstring (inside each function or class, as Python expects)' : 'a documentation comment in the usual style for this language (JSDoc for JavaScript and TypeScript) directly above each function, class or declaration';
  return `Add ${style}: what it does, its parameters and its result. Do not change the code itself.`;
}

export function explainQuestion(fileName: string, firstLine: number, languageId: string, code: string): string {
  const fence = code.includes('```') ? '````' : '```';
  return `Explain what this code from ${fileName} (line ${firstLine}) does, and anything surprising about it:\n\n${fence}${languageId}\n${code}\n${fence}`;
}
