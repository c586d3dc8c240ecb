import { leadingWhitespace } from './indentation';
import type { CompletionFilter } from './types';

/**
 * The document's indentation style as seen around the cursor: tabs, or spaces in steps of `unit`.
 * Undefined when no indented line says.
 */
export function indentationStyle(text: string): { tabs: boolean; unit: number } | undefined {
  let tabLines = 0;
  let spaceLines = 0;
  let unit = 0;
  for (const line of text.split('\n')) {
    if (line.trim() === '') continue;
    const indent = leadingWhitespace(line);
    if (indent.startsWith('\t')) tabLines++;
    else if (indent.length > 0) {
      spaceLines++;
      unit = greatestCommonDivisor(unit, indent.length);
    }
  }
  if (tabLines === 0 && spaceLines === 0) return undefined;
  if (tabLines > spaceLines) return { tabs: true, unit: 1 };
  return { tabs: false, unit };
}

function greatestCommonDivisor(a: number, b: number): number {
  return b === 0 ? a : greatestCommonDivisor(b, a % b);
}

/**
 * Models write indentation in the style they were trained on; a completion in a tab-indented file
 * with space indentation (or the reverse) would mix styles on accept. Lines after the first (the
 * first continues the cursor's line) get the document's style, keeping their nesting depth.
 */
export const normalizeIndentation: CompletionFilter = (completion, context) => {
  const lines = completion.split('\n');
  if (lines.length < 2) return completion;
  const document = indentationStyle(context.prefix + context.suffix);
  const own = indentationStyle(lines.slice(1).join('\n'));
  if (!document || !own || document.tabs === own.tabs) return completion;
  const reindent = (line: string): string => {
    const indent = leadingWhitespace(line);
    const depth = own.tabs ? indent.length : Math.round(indent.replace(/\t/g, ' '.repeat(own.unit)).length / own.unit);
    return (document.tabs ? '\t'.repeat(depth) : ' '.repeat(depth * document.unit)) + line.slice(indent.length);
  };
  return [lines[0], ...lines.slice(1).map(reindent)].join('\n');
};
