/**
 * Which test framework a project uses and where a new test file goes. Pure: the command reads the
 * nearest package.json and hands its text here.
 */
import type { TestFramework } from '../../server/protocol/contract';

const javascriptLanguages = new Set(['javascript', 'javascriptreact', 'typescript', 'typescriptreact']);

/** Checked in this order: a project that has several usually runs the first (vitest replaced jest, jest wraps nothing). */
const packageFrameworks: readonly TestFramework[] = ['vitest', 'jest', 'mocha'];

/** `packageJson` is the nearest package.json's text, if there is one; undefined means "no idea". */
export function detectTestFramework(languageId: string, packageJson: string | undefined): TestFramework | undefined {
  if (languageId === 'python') return 'pytest';
  if (!javascriptLanguages.has(languageId)) return undefined;
  let manifest: { scripts?: Record<string, unknown>; devDependencies?: Record<string, unknown>; dependencies?: Record<string, unknown> } = {};
  try {
    manifest = JSON.parse(packageJson ?? '{}') ?? {};
  } catch {
    // A broken package.json says nothing; Node's own runner needs no dependency.
  }
  const testScript = typeof manifest.scripts?.test === 'string' ? manifest.scripts.test : '';
  const byScript = packageFrameworks.find((framework) => new RegExp(`\\b${framework}\\b`).test(testScript));
  if (byScript) return byScript;
  if (/node\s+(?:[^|&;]*\s)?--test\b/.test(testScript)) return 'node:test';
  const installed = { ...manifest.dependencies, ...manifest.devDependencies };
  return packageFrameworks.find((framework) => framework in installed) ?? 'node:test';
}

/** The test file beside `sourcePath`, named as the language's runners find it: `math.ts` → `math.test.ts`, `calc.py` → `test_calc.py`, `calc.go` → `calc_test.go`. */
export function testFilePath(sourcePath: string, languageId: string): string {
  const slash = sourcePath.lastIndexOf('/') + 1;
  const folder = sourcePath.slice(0, slash);
  const file = sourcePath.slice(slash);
  const dot = file.lastIndexOf('.');
  const [stem, extension] = dot > 0 ? [file.slice(0, dot), file.slice(dot)] : [file, ''];
  if (languageId === 'python') return `${folder}test_${file}`;
  if (languageId === 'go') return `${folder}${stem}_test${extension}`;
  return `${folder}${stem}.test${extension}`;
}
