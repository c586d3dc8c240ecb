/**
 * Evaluation cases cut from held-out source files, deterministically from a seed:
 *   line    the cursor sits at a random point inside a code line; the rest of that line is removed and expected.
 *   infill  2-5 consecutive indented code lines (a block body) are removed, leaving the cursor on an empty line;
 *           the removed lines are expected.
 * The document the model sees is the file with the expected text taken out, so the text after the cursor is the
 * real code that follows, as in an editor.
 */
export type Language = 'ts' | 'js' | 'py';
export type Task = 'line' | 'infill';
export const languages: readonly Language[] = ['ts', 'js', 'py'];
export const tasks: readonly Task[] = ['line', 'infill'];

export interface SourceFile {
  package: string;
  path: string;
  lang: Language;
  text: string;
}

/** `L` is the language label: the held-out corpus's `Language`, or a file extension for cases cut from a repository. */
export interface EvalCase<L extends string = Language> {
  id: string;
  task: Task;
  lang: L;
  /** The document with the expected text removed, and the cursor offset in it. */
  document: string;
  offset: number;
  expected: string;
}

const commentLine = /^\s*(#|\/\/|\/\*|\*|"""|''')/;
const minLineChars = 10;

function isCodeLine(line: string): boolean {
  return line.trim().length >= minLineChars && !commentLine.test(line);
}

function indentOf(line: string): number {
  return line.length - line.trimStart().length;
}

/** Start offset of each line in `lines` joined by '\n'. */
function lineStarts(lines: readonly string[]): number[] {
  const starts: number[] = [];
  let offset = 0;
  for (const line of lines) {
    starts.push(offset);
    offset += line.length + 1;
  }
  return starts;
}

const pick = <T>(items: readonly T[], random: () => number): T => items[Math.floor(random() * items.length)];

/** The parts of a source file a case is cut from. */
export interface CaseSource<L extends string = Language> {
  lang: L;
  text: string;
}

export function lineCase<L extends string>(file: CaseSource<L>, random: () => number, id: string): EvalCase<L> | undefined {
  const lines = file.text.split('\n');
  const candidates = lines.map((line, i) => i).filter((i) => isCodeLine(lines[i]));
  if (candidates.length === 0) return undefined;
  const index = pick(candidates, random);
  const line = lines[index];
  const first = indentOf(line) + 1;
  const last = line.trimEnd().length - 2; // at least two characters left to complete
  if (last < first) return undefined;
  const cut = first + Math.floor(random() * (last - first + 1));
  const start = lineStarts(lines)[index];
  const offset = start + cut;
  return { id, task: 'line', lang: file.lang, document: file.text.slice(0, offset) + file.text.slice(start + line.length), offset, expected: line.slice(cut).trimEnd() };
}

export function infillCase<L extends string>(file: CaseSource<L>, random: () => number, id: string): EvalCase<L> | undefined {
  const lines = file.text.split('\n');
  const count = 2 + Math.floor(random() * 4);
  const candidates: number[] = [];
  for (let i = 1; i + count <= lines.length; i++) {
    const block = lines.slice(i, i + count);
    if (block.every((line) => indentOf(line) > 0 && line.trim() !== '' && !commentLine.test(line)) && block.some(isCodeLine)) candidates.push(i);
  }
  if (candidates.length === 0) return undefined;
  const index = pick(candidates, random);
  const start = lineStarts(lines)[index];
  const end = start + lines.slice(index, index + count).join('\n').length;
  return { id, task: 'infill', lang: file.lang, document: file.text.slice(0, start) + file.text.slice(end), offset: start, expected: file.text.slice(start, end) };
}

/** `perCell` cases for every language and task, each from a different randomly drawn file where possible. */
export function sampleCases(files: readonly SourceFile[], perCell: number, random: () => number): EvalCase[] {
  const cases: EvalCase[] = [];
  for (const lang of languages) {
    const pool = files.filter((f) => f.lang === lang);
    for (const task of tasks) {
      const make = task === 'line' ? lineCase : infillCase;
      let made = 0;
      for (let attempt = 0; attempt < perCell * 20 && made < perCell && pool.length > 0; attempt++) {
        const file = pick(pool, random);
        const found = make(file, random, `${task}-${lang}-${made}:${file.package}/${file.path}`);
        if (found) {
          cases.push(found);
          made++;
        }
      }
    }
  }
  return cases;
}
