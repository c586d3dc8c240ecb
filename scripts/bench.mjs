// `npm run bench -- <name> [args]`: builds, then runs one benchmark from bench/ through `rook bench`, which knows
// them (server/cli/bench.ts). Benchmarks are developer programs (they build synthetic models and use test fixtures
// and devDependencies), so they run from a checkout. Each prints ratios against a peer measured in the same run.
import { spawnSync } from 'node:child_process';

/** Benchmarks that install the packaged .vsix. */
const needsPackage = new Set(['completion-vscode']);

const [name, ...args] = process.argv.slice(2);
if (name === undefined || name === '--help' || name === '-h') {
  // Built already: `rook bench --help` lists the benchmarks; otherwise say how to get the list.
  const built = spawnSync(process.execPath, ['dist/rook.js', 'bench', '--help'], { stdio: 'inherit' });
  if (built.status !== 0) console.log('Usage: npm run bench -- <name> [args]   (run `npm run build` or `node esbuild.mjs` first for the list of names)');
  process.exit(0);
}
for (const [command, commandArgs] of [
  [process.execPath, ['esbuild.mjs', '--production']],
  [process.execPath, ['node_modules/typescript/bin/tsc', '-p', 'tsconfig.json']],
  ...(needsPackage.has(name) ? [[process.execPath, ['native/package-vsix.mjs']]] : []),
  [process.execPath, ['dist/rook.js', 'bench', ...(name === undefined ? [] : [name]), ...args]],
]) {
  const result = spawnSync(command, commandArgs, { stdio: 'inherit' });
  if (result.status !== 0) process.exit(result.status ?? 1);
}
