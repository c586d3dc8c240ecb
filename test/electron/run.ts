/**
 * The extension-host suites of test/extension under desktop VS Code (Electron) via @vscode/test-electron,
 * for machines that can download a VS Code build (it fetches one at run time, so it cannot run on the
 * offline CI machines, where the same suites run under code-server: test/e2e/run.ts).
 *
 *   ROOK_TEST_ELECTRON=1 npm test          or          node out/test/electron/run.js
 *
 * Desktop VS Code needs a display: run under xvfb-run on a headless Linux machine.
 */
import * as fs from 'node:fs';
import * as path from 'node:path';
import { runTests } from '@vscode/test-electron';
import { REPORT_PATH_ENV, type SuiteReport } from '../extension/report';
import { createSandbox } from '../e2e/sandbox';
import { startScriptedEngine } from '../e2e/scriptedEngine';

const REPO_ROOT = path.resolve(__dirname, '..', '..', '..');

async function main(): Promise<number> {
  const engine = await startScriptedEngine();
  const sandbox = await createSandbox(engine.baseUrl);
  const reportFile = path.join(sandbox.root, 'extension-host-report.json');
  try {
    await runTests({
      version: process.env.ROOK_VSCODE_VERSION ?? '1.100.3',
      extensionDevelopmentPath: REPO_ROOT,
      extensionTestsPath: path.join(REPO_ROOT, 'out', 'test', 'extension', 'index.js'),
      extensionTestsEnv: { [REPORT_PATH_ENV]: reportFile },
      launchArgs: [sandbox.workspaceDir, '--user-data-dir', sandbox.userDataDir, '--extensions-dir', sandbox.extensionsDir, '--disable-workspace-trust'],
    });
  } catch (error) {
    console.error(`VS Code run failed: ${(error as Error).message}`);
  } finally {
    await engine.close();
  }
  const report: SuiteReport | undefined = fs.existsSync(reportFile) ? JSON.parse(fs.readFileSync(reportFile, 'utf8')) : undefined;
  const passed = report?.tests.filter((t) => t.passed).length ?? 0;
  const failed = (report?.tests.length ?? 0) - passed + (report ? 0 : 1);
  for (const test of report?.tests ?? []) console.log(`${test.passed ? 'ok' : 'FAIL'} ${test.title}${test.error ? `: ${test.error}` : ''}`);
  await sandbox.remove();
  console.log(`${passed} passed, ${failed} failed`);
  return failed > 0 ? 1 : 0;
}

main().then((code) => process.exit(code));
