/**
 * `rook eval [--model DIR] [--corpus FILE] [--cases N] [--seed S] [--threads T] [--out DIR]`: scores a local model
 * on held-out completion cases against a non-neural baseline; writes results.json and results.md to --out.
 */
import { embeddedModelDir } from './embeddedModel';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { parseArgs } from 'node:util';
import { markdownReport } from '../eval/report';
import { runEvaluation } from '../eval/runEval';

export const evalUsage = 'rook eval [--model DIR] [--corpus FILE] [--cases N] [--seed S] [--threads T] [--out DIR]';

export async function runEval(args: string[]): Promise<number> {
  const { values } = parseArgs({
    args,
    options: {
      model: { type: 'string', default: embeddedModelDir },
      corpus: { type: 'string', default: 'training/data/eval.jsonl' },
      cases: { type: 'string', default: '50' },
      seed: { type: 'string', default: '4' },
      threads: { type: 'string', default: '1' },
      'max-tokens': { type: 'string', default: '64' },
      out: { type: 'string', default: 'bench/eval' },
    },
  });
  if (!fs.existsSync(values.corpus)) {
    throw new Error(`${values.corpus}: held-out corpus not found; build it with \`python3 training/corpus.py\``);
  }
  const results = await runEvaluation(
    {
      modelPath: values.model,
      corpusFile: values.corpus,
      casesPerCell: Number(values.cases),
      seed: Number(values.seed),
      threads: Number(values.threads),
      maxTokens: Number(values['max-tokens']),
    },
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
