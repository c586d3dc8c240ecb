import { readFile } from 'node:fs/promises';
import { defaultSettings } from '../protocol/contract';
import { completeAt } from '../completion/complete';
import { engineFlagsHelp, engineFromFlags, engineOptions } from './engineFromFlags';
import { maxTokensFlag, maxTokensHelp, parseCommandArgs, UsageError } from './usage';

/** Offset of a 1-based line and column in `text`; throws when the position is outside it. */
export function offsetOf(text: string, line: number, col: number): number {
  const lines = text.split('\n');
  if (!Number.isInteger(line) || line < 1 || line > lines.length) throw new Error(`--line ${line} is outside the file (1-${lines.length}).`);
  const length = lines[line - 1].length;
  if (!Number.isInteger(col) || col < 1 || col > length + 1) throw new Error(`--col ${col} is outside line ${line} (1-${length + 1}).`);
  return lines.slice(0, line - 1).reduce((sum, l) => sum + l.length + 1, 0) + col - 1;
}

export const completeUsage = 'rook complete <file> --line L --col C [--min-confidence X] [--max-tokens N] [--endpoint URL]... [--model NAME] [--model-dir DIR|FILE] [--cache-dir DIR]';

export const completeHelp = `Usage: ${completeUsage}

Prints the inline completion Rook would show as ghost text at a position of <file> (and a note on stderr when
a suggestion was held back).

  --line L, --col C       the position, 1-based; the column may be one past the end of the line
  --min-confidence X      hold back a suggestion the model is less sure of than X, 0 to 1 (default
                          ${defaultSettings.completion.minConfidence}; 0 shows every suggestion)
${maxTokensHelp('completion', defaultSettings.completion.maxTokens)}
${engineFlagsHelp}`;

/** `rook complete <file> --line L --col C`: prints the completion that would appear as ghost text. */
export async function runComplete(args: string[]): Promise<number> {
  const { values, positionals } = parseCommandArgs({
    args,
    allowPositionals: true,
    options: { ...engineOptions, line: { type: 'string' }, col: { type: 'string' }, 'min-confidence': { type: 'string' } },
  });
  const [file, ...extra] = positionals;
  if (!file || values.line === undefined || values.col === undefined) throw new UsageError('a file, --line and --col are needed.');
  if (extra.length > 0) throw new UsageError(`one file at a time; also got ${JSON.stringify(extra[0])}.`);
  const minConfidence = Number(values['min-confidence'] ?? defaultSettings.completion.minConfidence);
  if (!(minConfidence >= 0 && minConfidence <= 1)) {
    throw new UsageError(`--min-confidence must be between 0 and 1 (0 shows every suggestion); got ${JSON.stringify(values['min-confidence'])}.`);
  }
  const maxTokens = maxTokensFlag(values['max-tokens'], defaultSettings.completion.maxTokens);
  const text = await readFile(file, 'utf8');
  const offset = offsetOf(text, Number(values.line), Number(values.col));
  const engine = await engineFromFlags(values);
  try {
    const answer = await completeAt(engine, text, offset, { ...defaultSettings.completion, maxTokens, minConfidence }, new AbortController().signal);
    process.stdout.write(answer.insertText + '\n');
    if (answer.belowConfidence) {
      process.stderr.write(`(a suggestion was held back: confidence ${answer.confidence!.mean.toFixed(2)} < --min-confidence ${minConfidence}; 0 shows it)\n`);
    }
    return 0;
  } finally {
    await engine.dispose();
  }
}
