/**
 * Completion cases cut from a repository's own code files (see `repoFiles.ts`), deterministically from a seed:
 * alternately a line case and an infill case (`cases.ts`), each from the next file of a seeded shuffle, so the cases
 * spread over as many files as there are before any file gives a second one. Files are read as they are drawn, so a
 * large repository costs only the files its cases come from.
 */
import * as path from 'node:path';
import { seededRandom } from '../engines/local/sampler';
import { infillCase, lineCase, type EvalCase, type Task } from './cases';
import { readSource } from '../index/sourceFiles';
import { listRepoFiles, type ListOptions } from './repoFiles';

export interface RepoCaseOptions extends ListOptions {
  /** Cases to cut, alternately line and infill (line first). */
  count: number;
  seed: number;
}

export interface RepoCases {
  cases: EvalCase<string>[];
  /** Code files listed (after .gitignore, excluded globs and the listing bound). */
  files: number;
  /** Files drawn but skipped, by reason (huge, binary, minified, unreadable). */
  skipped: Record<string, number>;
  truncated: boolean;
}

/** The most cases one comparison cuts: each runs on every candidate. */
export const maxRepoCases = 1000;

function shuffled<T>(items: readonly T[], random: () => number): T[] {
  const out = [...items];
  for (let i = out.length - 1; i > 0; i--) {
    const j = Math.floor(random() * (i + 1));
    [out[i], out[j]] = [out[j], out[i]];
  }
  return out;
}

export async function repoCases(root: string, options: RepoCaseOptions): Promise<RepoCases> {
  const count = Math.min(options.count, maxRepoCases);
  const listing = await listRepoFiles(root, options);
  const random = seededRandom(options.seed);
  const order = shuffled(listing.files, random);
  const texts = new Map<string, string | undefined>();
  const skipped: Record<string, number> = {};
  const textOf = async (relative: string): Promise<string | undefined> => {
    if (!texts.has(relative)) {
      const outcome = await readSource(path.join(root, relative));
      // A file gone since it was listed cannot be read either.
      const reason = 'skipped' in outcome ? outcome.skipped : 'missing' in outcome ? 'unreadable' : undefined;
      if (reason) skipped[reason] = (skipped[reason] ?? 0) + 1;
      texts.set(relative, 'text' in outcome ? outcome.text : undefined);
    }
    return texts.get(relative);
  };
  const cases: EvalCase<string>[] = [];
  const seen = new Set<string>();
  const cut = (task: Task, lang: string, text: string, file: string) => (task === 'line' ? lineCase : infillCase)({ lang, text }, random, `${task}:${file}`);
  // Passes over the shuffled files until enough cases are cut; a pass that cuts no new one ends it (nothing more to cut).
  while (cases.length < count && order.length > 0) {
    const before = cases.length;
    for (const file of order) {
      if (cases.length >= count) break;
      const text = await textOf(file.path);
      if (text === undefined) continue;
      // Alternately line and infill; a file with no indented block still gives a line case.
      const wanted: Task = cases.length % 2 === 0 ? 'line' : 'infill';
      const made = cut(wanted, file.lang, text, file.path) ?? cut(wanted === 'line' ? 'infill' : 'line', file.lang, text, file.path);
      const key = made && `${made.id}@${made.offset}:${made.expected.length}`;
      if (!made || seen.has(key!)) continue;
      seen.add(key!);
      cases.push(made);
    }
    if (cases.length === before) break;
  }
  return { cases, files: listing.files.length, skipped, truncated: listing.truncated };
}
