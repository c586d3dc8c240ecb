// `npm start`: builds Rook and opens VS Code with it loaded.
//   - desktop VS Code when `code` is on PATH: `code --extensionDevelopmentPath=<repo> <folder>`;
//   - otherwise a local code-server (installed under .cache/ by scripts/install-test-deps.sh) on
//     127.0.0.1 with the packaged .vsix installed, in a profile kept under .cache/start/.
// Usage: npm start [-- <folder to open>]   (default: this repository)
import { spawn, spawnSync } from 'node:child_process';
import { mkdirSync, readFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { join, resolve } from 'node:path';

const repo = resolve(import.meta.dirname, '..');
const folder = resolve(process.argv[2] ?? repo);

function step(command, args) {
  const result = spawnSync(command, args, { stdio: 'inherit', cwd: repo });
  if (result.status !== 0) process.exit(result.status ?? 1);
}

const hasDesktopCode = spawnSync('code', ['--version'], { stdio: 'ignore' }).status === 0;
step(process.execPath, ['esbuild.mjs', '--production']);

if (hasDesktopCode) {
  console.log(`Opening VS Code with Rook from ${repo}`);
  spawn('code', [`--extensionDevelopmentPath=${repo}`, folder], { stdio: 'inherit', detached: true }).unref();
} else {
  const { version } = JSON.parse(readFileSync(join(repo, 'package.json'), 'utf8'));
  const vsix = join(repo, `rook-${process.platform}-${process.arch}-${version}.vsix`);
  step(process.execPath, ['node_modules/typescript/bin/tsc', '-p', 'tsconfig.json']);
  step(process.execPath, ['native/package-vsix.mjs']);
  step('bash', ['scripts/install-test-deps.sh']);
  // The e2e harness's code-server control serves here too, so both start it the same way.
  const { codeServerBinary, installExtension, startCodeServer } = createRequire(import.meta.url)('../out/test/e2e/codeServer.js');
  const root = join(repo, '.cache', 'start');
  const profile = {
    root,
    userDataDir: join(root, 'user-data'),
    extensionsDir: join(root, 'extensions'),
    homeDir: join(root, 'home'),
    workspaceDir: folder,
  };
  for (const dir of [profile.userDataDir, profile.extensionsDir, profile.homeDir]) mkdirSync(dir, { recursive: true });
  const binary = codeServerBinary(repo);
  await installExtension(binary, profile, vsix, 'rook-dev.rook');
  const server = await startCodeServer(binary, profile, { logFile: join(root, 'code-server.log') });
  console.log(`\nRook is running in VS Code at ${server.url}/?folder=${encodeURIComponent(folder)}\nPress Ctrl+C to stop.`);
  const stop = async () => {
    await server.stop();
    process.exit(0);
  };
  process.once('SIGINT', stop);
  process.once('SIGTERM', stop);
}
