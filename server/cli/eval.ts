/**
 * `rook eval [--model DIR] [--corpus FILE] [--cases N] [--seed S] [--threads T] [--max-tokens N] [--out DIR]`: scores
 * a local model on held-out completion cases against a non-neural baseline; writes results.json and results.md to --out.
 * `rook eval --repo DIR ...` compares models on a repository's own code instead (`evalRepo.ts`).
 */
import { embeddedModelDir } from './embeddedModel';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { markdownReport } from '../eval/report';
import { runEvaluation } from '../eval/runEval';
import { evalRepoHelp, evalRepoUsage, runEvalRepo } from './evalRepo';
import { cacheDirHelp, cacheDirOption, modelFolderFor } from './ggufModel';
import { maxTokensFlag, maxTokensHelp, parseCommandArgs, wholeNumberFlag } from './usage';

/** The held-out corpus `training/corpus.py` writes; not in the repository (it is built from code on the machine). */
export const defaultEvalCorpus = 'training/data/eval.jsonl';
const defaultMaxTokens = 64;

export const evalUsage = 'rook eval [--model DIR|FILE] [--cache-dir DIR] [--corpus FILE] [--cases N] [--cross-file N] [--seed S] [--threads T] [--max-tokens N] [--out DIR]';

const corpusHowTo = `To build it, run \`/usr/bin/python3 training/corpus.py\` in a source checkout of Rook (it writes
training/data/eval.jsonl and train.jsonl from packages installed on the machine; training/README.md, "Data", has
the setup), or pass --corpus FILE: JSON lines {"package", "path", "lang", "text"}, one source file a line.`;

export const evalHelp = `Usage: ${evalUsage}
       ${evalRepoUsage}

Scores a local model on held-out completion cases (lines and infills cut from the corpus's source files) against
a non-neural baseline, through the same completion path the editor uses; writes results.json and results.md to
--out and prints the report.

  --model DIR|FILE        model folder (default: the embedded model), or a GGUF file, converted once into the cache
${cacheDirHelp}
  --corpus FILE           held-out source files (default ${defaultEvalCorpus}, which is not in the repository)
  --cases N               cases per language and task (default 50)
  --cross-file N          cross-file line cases per language, completed with and without the workspace index (default 30; 0 skips them)
  --seed S                seed that picks the cases (default 4)
  --threads T             CPU threads for the model (default 1)
${maxTokensHelp('completion per case', defaultMaxTokens)}
  --out DIR               where results.json and results.md go (default bench/eval)
  -h, --help              this help

The default corpus is not in the repository. ${corpusHowTo}

${evalRepoHelp}`;

/** Whether the arguments ask for `rook eval --repo` (before any `--`). */
function wantsRepo(args: readonly string[]): boolean {
  const end = args.indexOf('--');
  return (end < 0 ? args : args.slice(0, end)).some((arg) => arg === '--repo' || arg.startsWith('--repo='));
}

export async function runEval(args: string[]): Promise<number> {
  if (wantsRepo(args)) return runEvalRepo(args);
  const { values } = parseCommandArgs({
    args,
    options: {
      model: { type: 'string', default: embeddedModelDir },
      corpus: { type: 'string', default: defaultEvalCorpus },
      cases: { type: 'string' },
      'cross-file': { type: 'string' },
      seed: { type: 'string' },
      threads: { type: 'string' },
      'max-tokens': { type: 'string' },
      out: { type: 'string', default: 'bench/eval' },
      ...cacheDirOption,
    },
  });
  const casesPerCell = wholeNumberFlag('cases', values.cases, 50, 1);
  const crossFileCases = wholeNumberFlag('cross-file', values['cross-file'], 30, 0);
  const seed = wholeNumberFlag('seed', values.seed, 4, 0);
  const threads = wholeNumberFlag('threads', values.threads, 1, 1);
  const maxTokens = maxTokensFlag(values['max-tokens'], defaultMaxTokens);
  if (!fs.existsSync(values.corpus)) {
    const where = path.resolve(values.corpus) === values.corpus ? values.corpus : `${values.corpus} (${path.resolve(values.corpus)})`;
    throw new Error(
      values.corpus === defaultEvalCorpus
        ? `${where}: no held-out corpus there (rook eval's default corpus is not in the repository).\n${corpusHowTo}`
        : `${where}: held-out corpus not found. Pass --corpus FILE: JSON lines {"package", "path", "lang", "text"}, one source file a line (\`/usr/bin/python3 training/corpus.py\` writes ${defaultEvalCorpus}).`,
    );
  }
  const modelPath = await modelFolderFor(values.model, values['cache-dir']);
  const results = await runEvaluation(
    { modelPath, corpusFile: values.corpus, casesPerCell, seed, threads, maxTokens, crossFileCases },
    (done, total) => process.stderr.write(`\r${done}/${total} cases`),
  );
  process.stderr.write('\n');
  fs.mkdirSync(values.out, { recursive: true });
  fs.writeFileSync(path.join(values.out, 'results.json'), JSON.stringify(results, null, 2) + '\n');
  const report = markdownReport(results);
  fs.writeFileSync(path.join(values.out, 'results.md'), report);
  process.stdout.write(report);
  return 0;
}
