import { readFile } from 'node:fs/promises';
import { parseArgs } from 'node:util';
import { defaultSettings } from '../protocol/contract';
import { completeAt } from '../completion/complete';
import { engineFromFlags, engineOptions } from './engineFromFlags';

/** Offset of a 1-based line and column in `text`; throws when the position is outside it. */
export function offsetOf(text: string, line: number, col: number): number {
  const lines = text.split('\n');
  if (!Number.isInteger(line) || line < 1 || line > lines.length) throw new Error(`--line ${line} is outside the file (1-${lines.length}).`);
  const length = lines[line - 1].length;
  if (!Number.isInteger(col) || col < 1 || col > length + 1) throw new Error(`--col ${col} is outside line ${line} (1-${length + 1}).`);
  return lines.slice(0, line - 1).reduce((sum, l) => sum + l.length + 1, 0) + col - 1;
}

/** `rook complete <file> --line L --col C`: prints the completion that would appear as ghost text. */
export async function runComplete(args: string[]): Promise<number> {
  const { values, positionals } = parseArgs({
    args,
    allowPositionals: true,
    options: { ...engineOptions, line: { type: 'string' }, col: { type: 'string' }, 'min-confidence': { type: 'string' } },
  });
  const [file] = positionals;
  if (!file || values.line === undefined || values.col === undefined) {
    throw new Error('usage: rook complete <file> --line L --col C [--min-confidence X]');
  }
  const minConfidence = Number(values['min-confidence'] ?? defaultSettings.completion.minConfidence);
  if (!(minConfidence >= 0 && minConfidence <= 1)) throw new Error(`--min-confidence must be between 0 and 1 (0 shows every suggestion); got ${values['min-confidence']}.`);
  const text = await readFile(file, 'utf8');
  const offset = offsetOf(text, Number(values.line), Number(values.col));
  const engine = await engineFromFlags(values);
  try {
    const answer = await completeAt(
      engine,
      text,
      offset,
      { ...defaultSettings.completion, maxTokens: Number(values['max-tokens'] ?? defaultSettings.completion.maxTokens), minConfidence },
      new AbortController().signal,
    );
    process.stdout.write(answer.insertText + '\n');
    if (answer.belowConfidence) {
      process.stderr.write(`(a suggestion was held back: confidence ${answer.confidence!.mean.toFixed(2)} < --min-confidence ${minConfidence}; 0 shows it)\n`);
    }
    return 0;
  } finally {
    await engine.dispose();
  }
}
