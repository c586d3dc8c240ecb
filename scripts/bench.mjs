// `npm run bench -- <name> [args]`: builds, then runs one benchmark from bench/. Benchmarks are
// developer programs (they build synthetic models and use test fixtures), so they run from a checkout
// rather than from the shipped `rook` binary. Each prints ratios against a peer measured in the same run.
import { spawnSync } from 'node:child_process';

const benches = {
  engine: 'out/bench/engine/engine-bench.js',
  completion: 'out/bench/completion/completion-bench.js',
  'completion-vscode': 'out/bench/completion/vscode-bench.js',
  serve: 'out/bench/serve/serve-bench.js',
  startup: 'out/bench/startup/sidecar-start.js',
  convert: 'out/bench/convert/convert-memory.js',
  quant: 'out/bench/quant/quant-bench.js',
};
/** Benchmarks that install the packaged .vsix. */
const needsPackage = new Set(['completion-vscode']);

const [name, ...args] = process.argv.slice(2);
if (!benches[name]) {
  console.error(`usage: npm run bench -- <${Object.keys(benches).join('|')}> [args]`);
  process.exit(2);
}
for (const [command, commandArgs] of [
  [process.execPath, ['esbuild.mjs', '--production']],
  [process.execPath, ['node_modules/typescript/bin/tsc', '-p', 'tsconfig.json']],
  ...(needsPackage.has(name) ? [[process.execPath, ['native/package-vsix.mjs']]] : []),
  [process.execPath, [benches[name], ...args]],
]) {
  const result = spawnSync(command, commandArgs, { stdio: 'inherit' });
  if (result.status !== 0) process.exit(result.status ?? 1);
}
