// `npm test`: builds Rook, then runs every test layer in order and prints one summary.
//   unit     pure logic (node:test)                         out/test/unit
//   engine   ONNX graph, local engine, llama.cpp parity     out/test/engine, out/test/model
//   sidecar  real `rook lsp --stdio` spoken to over LSP     out/test/sidecar
//   serve    `rook serve` over HTTP (openai client, security) out/test/serve
//   fuzz     mutated model files, LSP frames, HTTP requests   out/test/fuzz (npm run fuzz for long runs)
//   vscode   the packaged .vsix in a real VS Code (code-server + Chromium): extension-host suites and UI checks
//   electron the same extension-host suites in desktop VS Code, when ROOK_TEST_ELECTRON=1 (downloads VS Code)
// Each node:test layer also writes TAP to .cache/test-results/ so the counts can be summed.
import { spawnSync } from 'node:child_process';
import { existsSync, mkdirSync, readFileSync, readdirSync, rmSync } from 'node:fs';
import { join } from 'node:path';

if (process.argv.includes('--help') || process.argv.includes('-h')) {
  // The layers are listed in this file's header comment; print it.
  const lines = readFileSync(new URL(import.meta.url), 'utf8').split('\n');
  const header = lines.slice(0, lines.findIndex((line) => !line.startsWith('//'))).map((line) => line.slice(3));
  console.log(`Usage: npm test\n\n${header.join('\n')}`);
  process.exit(0);
}

const resultsDir = '.cache/test-results';
mkdirSync(resultsDir, { recursive: true });
const { version } = JSON.parse(readFileSync('package.json', 'utf8'));
const vsix = `rook-${process.platform}-${process.arch}-${version}.vsix`;

function run(command, args, options = {}) {
  const started = Date.now();
  const result = spawnSync(command, args, { stdio: 'inherit', ...options });
  return { ok: result.status === 0, seconds: (Date.now() - started) / 1000, status: result.status };
}

function step(name, command, args) {
  console.log(`\n=== ${name}: ${command} ${args.join(' ')}`);
  const result = run(command, args);
  if (!result.ok) {
    console.error(`${name} failed (exit ${result.status}).`);
    process.exit(1);
  }
}

function testFiles(dir) {
  return readdirSync(dir, { recursive: true })
    .filter((file) => String(file).endsWith('.test.js'))
    .map((file) => join(dir, String(file)))
    .sort();
}

/** Runs one node:test layer; returns its pass/fail counts from the TAP file. */
function nodeTestLayer(name, dirs) {
  // Files are listed explicitly: given a folder, Node 20 treats every .js under a `test/` path as a test.
  const files = dirs.filter((dir) => existsSync(dir)).flatMap((dir) => testFiles(dir));
  const tap = join(resultsDir, `${name}.tap`);
  console.log(`\n=== ${name} tests: ${dirs.join(' ')} (${files.length} files)`);
  const result = run(process.execPath, [
    '--test',
    '--test-concurrency=1',
    '--test-reporter=spec',
    '--test-reporter-destination=stdout',
    '--test-reporter=tap',
    `--test-reporter-destination=${tap}`,
    ...files,
  ]);
  const text = existsSync(tap) ? readFileSync(tap, 'utf8') : '';
  const count = (label) => Number(new RegExp(`^# ${label} (\\d+)$`, 'm').exec(text)?.[1] ?? 0);
  const passed = count('pass');
  const failed = count('fail') + (result.ok || count('fail') > 0 ? 0 : 1);
  return { name, passed, failed, seconds: result.seconds };
}

/** The VS Code layers print their own `N passed, M failed` line; read it back from their output. */
function vscodeLayer(name, description, args) {
  console.log(`\n=== ${name} tests: ${description}`);
  const started = Date.now();
  const result = spawnSync(process.execPath, args, { stdio: ['ignore', 'pipe', 'inherit'], encoding: 'utf8' });
  process.stdout.write(result.stdout ?? '');
  const match = /^(\d+) passed, (\d+) failed$/m.exec(result.stdout ?? '');
  const passed = Number(match?.[1] ?? 0);
  const failed = Number(match?.[2] ?? 0) + (result.status === 0 ? 0 : match && Number(match[2]) > 0 ? 0 : 1);
  return { name, passed, failed, seconds: (Date.now() - started) / 1000 };
}

const started = Date.now();
// System packages first: the serve layer needs openssl, the VS Code layer Chromium and code-server.
step('install test dependencies', 'bash', ['scripts/install-test-deps.sh']);
step('build', process.execPath, ['esbuild.mjs', '--production']);
// A fresh out/: compiled tests of deleted sources would otherwise still run here, though not in CI's clean clone.
rmSync('out', { recursive: true, force: true });
step('type-check and compile tests', process.execPath, ['node_modules/typescript/bin/tsc', '-p', 'tsconfig.json']);
const layers = [
  nodeTestLayer('unit', ['out/test/unit']),
  nodeTestLayer('engine', ['out/test/engine', 'out/test/model']),
  nodeTestLayer('sidecar', ['out/test/sidecar']),
  nodeTestLayer('serve', ['out/test/serve']),
  nodeTestLayer('fuzz', ['out/test/fuzz']),
];
step('package', process.execPath, ['native/package-vsix.mjs']);
layers.push(vscodeLayer('vscode', `the packaged ${vsix} in code-server + Chromium`, ['out/test/e2e/run.js', vsix]));
// Desktop VS Code must be downloaded by @vscode/test-electron, so this layer runs only where asked for.
if (process.env.ROOK_TEST_ELECTRON === '1') {
  layers.push(vscodeLayer('electron', 'extension-host suites in desktop VS Code', ['out/test/electron/run.js']));
}

console.log('\n=== summary');
for (const layer of layers) console.log(`${layer.name.padEnd(8)} ${String(layer.passed).padStart(4)} passed ${String(layer.failed).padStart(3)} failed  ${layer.seconds.toFixed(1)} s`);
const passed = layers.reduce((sum, layer) => sum + layer.passed, 0);
const failed = layers.reduce((sum, layer) => sum + layer.failed, 0);
console.log(`total wall time ${((Date.now() - started) / 1000).toFixed(0)} s`);
console.log(`${passed} passed, ${failed} failed`);
process.exit(failed === 0 && passed > 0 ? 0 : 1);
