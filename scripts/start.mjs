// `npm start`: builds Rook, packages the .vsix for this platform and opens VS Code with it. No root needed.
//   - desktop VS Code when its `code` command is on PATH: `code --install-extension rook-<platform>.vsix`, then
//     `code <folder>` (with `--dev`: `code --extensionDevelopmentPath=<repo> <folder>`, nothing installed);
//   - otherwise a local code-server (installed under .cache/ by scripts/install-test-deps.sh, which installs system
//     packages only as root with apt and otherwise says which are missing) on 127.0.0.1 with the .vsix installed, in
//     a profile kept under .cache/start/.
// Usage: npm start [-- [--dev] [<folder to open>]]   (default folder: this repository)
import { spawn, spawnSync } from 'node:child_process';
import { existsSync, mkdirSync, readFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { join, resolve } from 'node:path';

const repo = resolve(import.meta.dirname, '..');
const args = process.argv.slice(2);
if (args.includes('--help') || args.includes('-h')) {
  console.log(`Usage: npm start [-- [--dev] [<folder to open>]]

Builds Rook, packages the .vsix for this platform and opens VS Code with it on <folder> (default: this repository),
running on the embedded model until you configure another.
  --dev     desktop VS Code only: load Rook from this checkout (--extensionDevelopmentPath), nothing installed
Without a \`code\` command on PATH it starts a local code-server on 127.0.0.1 (scripts/install-test-deps.sh installs it).`);
  process.exit(0);
}
const dev = args.includes('--dev');
const folder = resolve(args.find((arg) => arg !== '--dev') ?? repo);
const { version } = JSON.parse(readFileSync(join(repo, 'package.json'), 'utf8'));
const target = `${process.platform}-${process.arch}`;
const vsix = join(repo, `rook-${target}-${version}.vsix`);
// The targets ONNX Runtime ships binaries for (native/package-vsix.mjs).
const packagedTargets = ['linux-x64', 'linux-arm64', 'darwin-arm64', 'win32-x64', 'win32-arm64'];
const windows = process.platform === 'win32';

function step(command, commandArgs) {
  const result = spawnSync(command, commandArgs, { stdio: 'inherit', cwd: repo });
  if (result.status !== 0) process.exit(result.status ?? 1);
}

/** Runs VS Code's `code` command (`code.cmd` on Windows, which needs a shell; its arguments are quoted for it). */
function code(codeArgs, options = {}) {
  if (!windows) return spawnSync('code', codeArgs, { cwd: repo, ...options });
  return spawnSync('code', codeArgs.map((arg) => `"${arg}"`), { cwd: repo, shell: true, ...options });
}

const hasDesktopCode = code(['--version'], { stdio: 'ignore' }).status === 0;
step(process.execPath, ['esbuild.mjs', '--production']);
const canPackage = packagedTargets.includes(target);
if (canPackage && !(hasDesktopCode && dev)) step(process.execPath, ['native/package-vsix.mjs']);

if (hasDesktopCode && (dev || !canPackage)) {
  if (!dev) console.log(`No .vsix for ${target} (ONNX Runtime ships no binaries for it): opening Rook from this checkout instead.`);
  console.log(`Opening VS Code with Rook from ${repo}`);
  spawn(windows ? `code --extensionDevelopmentPath="${repo}" "${folder}"` : 'code', windows ? [] : [`--extensionDevelopmentPath=${repo}`, folder], {
    stdio: 'inherit',
    detached: true,
    shell: windows,
  }).unref();
} else if (hasDesktopCode) {
  console.log(`Installing ${vsix} into VS Code`);
  const installed = code(['--install-extension', vsix, '--force'], { stdio: 'inherit' });
  if (installed.status !== 0) {
    console.error(`\`code --install-extension\` failed; install ${vsix} from VS Code's Extensions view (… menu > Install from VSIX…).`);
    process.exit(installed.status ?? 1);
  }
  console.log(`Opening ${folder} in VS Code (Rook: Get Started shows the walkthrough).`);
  code([folder], { stdio: 'inherit' });
} else {
  await startCodeServer();
}

function missingCode(reason) {
  console.error(`\nnpm start could not open VS Code: ${reason}`);
  console.error('Either:');
  console.error('  - install VS Code (https://code.visualstudio.com) and put its `code` command on PATH (macOS: Command Palette >');
  console.error('    "Shell Command: Install \'code\' command in PATH"; Windows: the installer\'s "Add to PATH"; Linux packages add it),');
  console.error('    then run npm start again; or');
  if (existsSync(vsix)) console.error(`  - install ${vsix} into the VS Code you have: Extensions view > … > Install from VSIX… (README: "Install the .vsix").`);
  else console.error('  - install a Rook .vsix into the VS Code you have: Extensions view > … > Install from VSIX… (README: "Install the .vsix").');
  process.exit(1);
}

async function startCodeServer() {
  if (windows) missingCode("VS Code's `code` command is not on PATH, and code-server (the fallback) does not run on Windows.");
  if (!canPackage) missingCode(`\`code\` is not on PATH, and there is no .vsix for ${target} to install into code-server.`);
  step(process.execPath, ['node_modules/typescript/bin/tsc', '-p', 'tsconfig.json']);
  const deps = spawnSync('bash', ['scripts/install-test-deps.sh', '--code-server-only'], { stdio: 'inherit', cwd: repo });
  if (deps.status === 2) missingCode('`code` is not on PATH, and code-server (the fallback) cannot be built here: see the lines above for what is missing.');
  if (deps.status !== 0) process.exit(deps.status ?? 1);
  // The e2e harness's code-server control serves here too, so both start it the same way.
  const { codeServerBinary, installExtension, startCodeServer: start } = createRequire(import.meta.url)('../out/test/e2e/codeServer.js');
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
  const server = await start(binary, profile, { logFile: join(root, 'code-server.log') });
  console.log(`\nRook is running in VS Code at ${server.url}/?folder=${encodeURIComponent(folder)}\nPress Ctrl+C to stop.`);
  const stop = async () => {
    await server.stop();
    process.exit(0);
  };
  process.once('SIGINT', stop);
  process.once('SIGTERM', stop);
}
