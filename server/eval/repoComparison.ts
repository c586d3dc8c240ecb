/**
 * The comparison `rook eval --repo` prints and `rook/compareModels` answers: cases cut from a folder's own code
 * (`repoCases.ts`), run on every candidate engine (`compareCandidates.ts`). The caller makes and disposes the engines.
 */
import type { Engine } from '../engines/engine';
import type { Comparison } from '../protocol/contract';
import { compareCandidates, type CompareOptions } from './compareCandidates';
import { repoCases } from './repoCases';

export interface RepoComparisonOptions extends CompareOptions {
  root: string;
  excludeGlobs: readonly string[];
  cases: number;
  seed: number;
}

export async function compareOnRepo(engines: readonly Engine[], options: RepoComparisonOptions): Promise<Comparison> {
  const cut = await repoCases(options.root, { excludeGlobs: options.excludeGlobs, count: options.cases, seed: options.seed });
  if (cut.cases.length === 0) {
    throw new Error(`${options.root}: no completion cases could be cut: it has ${cut.files} code files (after .gitignore and the excluded globs) with lines long enough to complete.`);
  }
  const candidates = await compareCandidates(cut.cases, engines, options);
  return {
    root: options.root,
    files: cut.files,
    seed: options.seed,
    lineCases: cut.cases.filter((c) => c.task === 'line').length,
    infillCases: cut.cases.filter((c) => c.task === 'infill').length,
    minConfidence: options.minConfidence,
    candidates,
    ...(options.signal.aborted ? { cancelled: true } : {}),
  };
}
