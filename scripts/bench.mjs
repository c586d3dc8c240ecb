// `npm run bench -- <name> [args]`: builds, then runs one benchmark from bench/ through `rook bench`, which knows
// them (server/cli/bench.ts). Benchmarks are developer programs (they build synthetic models and use test fixtures
// and devDependencies), so they run from a checkout. Each prints ratios against a peer measured in the same run.
import { spawnSync } from 'node:child_process';

/** Benchmarks that install the packaged .vsix. */
const needsPackage = new Set(['completion-vscode']);

const [name, ...args] = process.argv.slice(2);
for (const [command, commandArgs] of [
  [process.execPath, ['esbuild.mjs', '--production']],
  [process.execPath, ['node_modules/typescript/bin/tsc', '-p', 'tsconfig.json']],
  ...(needsPackage.has(name) ? [[process.execPath, ['native/package-vsix.mjs']]] : []),
  [process.execPath, ['dist/rook.js', 'bench', ...(name === undefined ? [] : [name]), ...args]],
]) {
  const result = spawnSync(command, commandArgs, { stdio: 'inherit' });
  if (result.status !== 0) process.exit(result.status ?? 1);
}
