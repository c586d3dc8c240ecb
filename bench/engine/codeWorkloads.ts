/**
 * Requests built from Rook's own `server/` sources (code the embedded model never trained on), for benchmarks that
 * time the local engine on realistic prompts.
 */
import * as fs from 'node:fs';
import * as path from 'node:path';
import { parseArgs } from 'node:util';
import { drain } from '../../server/engines/engine';
import type { LocalEngine } from '../../server/engines/local/localEngine';
import { editMessages } from '../../server/edit/editPrompt';
import { listRepoFiles } from '../../server/eval/repoFiles';

export const repoRoot = path.resolve(__dirname, '..', '..', '..');

/** One request of a workload, run on the engine given. */
export interface Case {
  run(engine: LocalEngine): Promise<string>;
}

/** Rook's TypeScript sources of over 60 lines, in a fixed order: a corpus the embedded model never trained on. */
async function sources(): Promise<{ file: string; text: string }[]> {
  const root = path.join(repoRoot, 'server');
  const { files } = await listRepoFiles(root, { excludeGlobs: [] });
  return files
    .filter((file) => file.lang === 'ts')
    .map((file) => ({ file: file.path, text: fs.readFileSync(path.join(root, file.path), 'utf8') }))
    .filter(({ text }) => text.split('\n').length > 60);
}

/** Fill-in-the-middle at `count` line starts spread over Rook's sources: 2,000 characters before, 600 after. */
export async function completionCases(count: number): Promise<Case[]> {
  const files = await sources();
  return Array.from({ length: count }, (_, i) => {
    const { text } = files[Math.floor((i * files.length) / count)];
    const lines = text.split('\n');
    const line = Math.floor(lines.length * (0.3 + (0.4 * i) / count));
    const cursor = lines.slice(0, line).join('\n').length + 1 + (lines[line].match(/^\s*/)?.[0].length ?? 0);
    const prompt = text.slice(Math.max(0, cursor - 2000), cursor);
    const suffix = text.slice(cursor, cursor + 600);
    return { run: async (engine) => (await drain(engine.complete({ prompt, suffix, maxTokens: 64, temperature: 0 }, new AbortController().signal))).text };
  });
}

/** The product's edit prompt on `count` 12-line selections of Rook's sources. */
export async function editCases(count: number): Promise<Case[]> {
  const files = await sources();
  const instructions = ['Add a comment above each function.', 'Rename the variables to clearer names.', 'Convert it to use async/await.', 'Add explicit types.'];
  return Array.from({ length: count }, (_, i) => {
    const { text } = files[Math.floor(((i + 0.5) * files.length) / count)];
    const lines = text.split('\n');
    const first = Math.floor(lines.length * 0.4);
    const original = lines.slice(first, first + 12).join('\n');
    const messages = editMessages({ languageId: 'typescript', original, instruction: instructions[i % instructions.length] });
    return { run: async (engine) => (await drain(engine.chat({ messages, maxTokens: 192, temperature: 0 }, new AbortController().signal))).text };
  });
}

/** The flags of the benches over these workloads: the model folder, how many cases, threads, where to write results. */
export interface WorkloadBenchArgs {
  model: string;
  cases: number;
  threads: number;
  out?: string;
}

/** Parses them; prints `usage` and returns undefined for `--help`. */
export function workloadBenchArgs(usage: string): WorkloadBenchArgs | undefined {
  const { values } = parseArgs({
    options: {
      model: { type: 'string', default: path.join(repoRoot, 'models', 'rook-moe-mini') },
      cases: { type: 'string', default: '24' },
      threads: { type: 'string', default: '1' },
      out: { type: 'string' },
      help: { type: 'boolean', default: false },
    },
  });
  if (values.help) {
    console.log(usage);
    return undefined;
  }
  return { model: values.model!, cases: Number(values.cases), threads: Number(values.threads), out: values.out };
}
