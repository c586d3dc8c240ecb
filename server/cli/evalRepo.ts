/**
 * `rook eval --repo DIR [--model-dir DIR]... [--endpoint URL]...`: compares candidate models on completion cases cut
 * from a repository's own code (honouring .gitignore and Rook's excluded globs), through the editor's completion path,
 * and prints the table (`server/eval/compareReport.ts`); a progress bar goes to stderr.
 */
import * as fs from 'node:fs';
import * as path from 'node:path';
import type { Engine } from '../engines/engine';
import { compareReportHeading, comparisonMarkdown } from '../eval/compareReport';
import { maxRepoCases } from '../eval/repoCases';
import { compareOnRepo } from '../eval/repoComparison';
import { defaultExcludeGlobs, defaultSettings } from '../protocol/contract';
import { embeddedModelDir } from './embeddedModel';
import { candidateEngine, type CandidateSource } from './engineFromFlags';
import { cacheDirHelp } from './ggufModel';
import { progressBar } from './progressBar';
import { maxTokensFlag, maxTokensHelp, parseCommandArgs, UsageError, wholeNumberFlag } from './usage';

export const evalRepoUsage = 'rook eval --repo DIR [--model-dir DIR|FILE]... [--endpoint URL]... [--cases N] [--seed S] [--cache-dir DIR] [--out FILE]';

const defaultCases = 40;
const defaultSeed = 1;

/** The `--repo` half of `rook eval --help`. */
export const evalRepoHelp = `With --repo, compares models on your own code: cuts line-completion and infill cases from the repository's
code files (skipping what .gitignore ignores, Rook's excluded globs, and huge, binary or minified files), runs every
candidate on the same cases through the editor's completion path, and prints a table: exact match, edit
similarity, latency p50/p95, tokens/s, and the share of suggestions the confidence threshold would show.

  --repo DIR              the repository the cases are cut from
  --model-dir DIR|FILE    a local model folder, or a GGUF file (converted once into the cache), as a candidate;
                          repeat for more
${cacheDirHelp}
  --endpoint URL          an OpenAI-compatible endpoint (e.g. http://127.0.0.1:8000/v1) as a candidate, with
                          the first model its /v1/models lists; repeat for more
  --cases N               cases, alternately line and infill: 1 to ${maxRepoCases} (default ${defaultCases})
  --seed S                the seed that picks them; the same seed on the same files, the same cases (default ${defaultSeed})
  --exclude GLOB          also skip the files GLOB matches; repeatable (always skipped, as in the editor:
                          ${defaultExcludeGlobs.join(' ')})
  --min-confidence X      the threshold the shown share is counted at, 0 to 1 (default ${defaultSettings.completion.minConfidence})
  --threads T             CPU threads for local models; 0 lets ONNX Runtime choose (default 0)
${maxTokensHelp('multi-line completion', defaultSettings.completion.maxTokens)}
  --out FILE              also write the table (markdown) to FILE

With no --model-dir and no --endpoint, the embedded model runs alone. An endpoint's bearer token comes from
ROOK_API_KEY, never from a flag, and is never printed. Candidates run one after another: local models in the
order given, then endpoints.`;

function minConfidenceFlag(raw: string | undefined): number {
  if (raw === undefined) return defaultSettings.completion.minConfidence;
  const value = /^\s*(\d+(\.\d*)?|\.\d+)\s*$/.test(raw) ? Number(raw) : NaN;
  if (!(value >= 0 && value <= 1)) throw new UsageError(`--min-confidence must be a number from 0 to 1; got ${JSON.stringify(raw)}.`);
  return value;
}

export async function runEvalRepo(args: string[]): Promise<number> {
  const { values } = parseCommandArgs({
    args,
    options: {
      repo: { type: 'string' },
      'model-dir': { type: 'string', multiple: true },
      endpoint: { type: 'string', multiple: true },
      cases: { type: 'string' },
      seed: { type: 'string' },
      exclude: { type: 'string', multiple: true },
      'min-confidence': { type: 'string' },
      threads: { type: 'string' },
      'max-tokens': { type: 'string' },
      out: { type: 'string' },
      'cache-dir': { type: 'string' },
    },
  });
  const root = path.resolve(values.repo ?? '');
  if (!values.repo) throw new UsageError('--repo needs a folder.');
  if (!fs.existsSync(root) || !fs.statSync(root).isDirectory()) throw new Error(`${root}: no such folder (--repo).`);
  const cases = wholeNumberFlag('cases', values.cases, defaultCases, 1, maxRepoCases);
  const seed = wholeNumberFlag('seed', values.seed, defaultSeed, 0);
  const threads = wholeNumberFlag('threads', values.threads, 0, 0);
  const maxTokens = maxTokensFlag(values['max-tokens'], defaultSettings.completion.maxTokens);
  const minConfidence = minConfidenceFlag(values['min-confidence']);
  const sources: CandidateSource[] = [...(values['model-dir'] ?? []).map((modelDir) => ({ modelDir })), ...(values.endpoint ?? []).map((endpoint) => ({ endpoint }))];
  if (sources.length === 0) sources.push({ modelDir: embeddedModelDir });

  const engines: Engine[] = [];
  const controller = new AbortController();
  const stop = () => controller.abort();
  process.once('SIGINT', stop);
  const bar = progressBar(process.stderr, 'cases');
  try {
    for (const source of sources) engines.push(await candidateEngine(source, threads, process.env, values['cache-dir']));
    const comparison = await compareOnRepo(engines, {
      root,
      excludeGlobs: [...defaultExcludeGlobs, ...(values.exclude ?? [])],
      cases,
      seed,
      maxTokens,
      minConfidence,
      signal: controller.signal,
      onCase: (done, total, candidate) => bar.update(done, total, candidate),
    });
    bar.finish();
    const report = `${compareReportHeading(comparison)}\n\n${comparisonMarkdown(comparison)}`;
    if (values.out) {
      fs.mkdirSync(path.dirname(path.resolve(values.out)), { recursive: true });
      fs.writeFileSync(values.out, report);
    }
    process.stdout.write(report);
    return comparison.cancelled ? 130 : 0;
  } finally {
    bar.finish();
    process.removeListener('SIGINT', stop);
    await Promise.all(engines.map((engine) => engine.dispose()));
  }
}
