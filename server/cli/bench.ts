/**
 * `rook bench <name> [args]`: runs one benchmark from bench/ (compiled into out/bench/). Benchmarks build synthetic
 * models and measure against peers installed as devDependencies (llama.cpp through node-llama-cpp), so they run
 * from a source checkout after a build — `npm run bench -- <name>` builds and then calls this — not from an
 * installed extension, which says so.
 */
import { spawnSync } from 'node:child_process';
import * as fs from 'node:fs';
import * as path from 'node:path';

/** Each benchmark's script under out/bench/. */
export const benchScripts = {
  engine: 'engine/engineBench.js',
  quant: 'quant/quantBench.js',
  convert: 'convert/convertMemory.js',
  completion: 'completion/completionBench.js',
  'completion-vscode': 'completion/vscodeBench.js',
  serve: 'serve/serveBench.js',
  startup: 'startup/sidecarStart.js',
} as const;

export const benchUsage = `rook bench <${Object.keys(benchScripts).join('|')}> [args]`;

export function runBench(args: string[]): number {
  const [name, ...rest] = args;
  if (!Object.hasOwn(benchScripts, name ?? '')) {
    console.error(`rook bench: unknown benchmark ${JSON.stringify(name ?? '')}.\nUsage: ${benchUsage}`);
    return 2;
  }
  // dist/rook.js sits one folder below the checkout's root, beside out/.
  const script = path.join(__dirname, '..', 'out', 'bench', benchScripts[name as keyof typeof benchScripts]);
  if (!fs.existsSync(script)) {
    console.error(`rook bench: ${script} not found. Benchmarks run from a source checkout of Rook: \`npm run bench -- ${name}\` builds them and runs this one.`);
    return 1;
  }
  return spawnSync(process.execPath, [script, ...rest], { stdio: 'inherit' }).status ?? 1;
}
