// Builds one .vsix per VS Code platform target. The bundles in dist/ are platform-neutral; only
// onnxruntime-node's native binaries differ, so each target's package keeps its own binaries and
// drops the others (an all-platform package would be ~300 MB).
//   node native/package-vsix.mjs            the host's target
//   node native/package-vsix.mjs --all      every target onnxruntime-node ships binaries for
//   node native/package-vsix.mjs --target linux-arm64
import { execFileSync } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

/** VS Code target -> onnxruntime-node binary folder under bin/napi-v6. */
export const targets = {
  'linux-x64': 'linux/x64',
  'linux-arm64': 'linux/arm64',
  'darwin-arm64': 'darwin/arm64',
  'win32-x64': 'win32/x64',
  'win32-arm64': 'win32/arm64',
};

function chosenTargets(argv) {
  if (argv.includes('--all')) return Object.keys(targets);
  const flag = argv.indexOf('--target');
  if (flag !== -1) return [argv[flag + 1]];
  return [`${process.platform}-${process.arch}`];
}

const { version } = JSON.parse(readFileSync('package.json', 'utf8'));
const baseIgnore = readFileSync('.vscodeignore', 'utf8');
const workDir = mkdtempSync(join(tmpdir(), 'rook-vsix-'));
try {
  for (const target of chosenTargets(process.argv)) {
    const binaries = targets[target];
    if (!binaries) throw new Error(`No ONNX Runtime binaries for target "${target}"; known: ${Object.keys(targets).join(', ')}`);
    const ignoreFile = join(workDir, `${target}.vscodeignore`);
    writeFileSync(ignoreFile, `${baseIgnore}\n!node_modules/onnxruntime-node/bin/napi-v6/${binaries}/**\n`);
    const out = `rook-${target}-${version}.vsix`;
    execFileSync(
      process.execPath,
      ['node_modules/@vscode/vsce/vsce', 'package', '--target', target, '--ignoreFile', ignoreFile, '--allow-missing-repository', '--skip-license', '--out', out],
      { stdio: 'inherit' },
    );
    console.log(`${out}: ${(statSync(out).size / 1024 / 1024).toFixed(1)} MB`);
  }
} finally {
  rmSync(workDir, { recursive: true, force: true });
}
