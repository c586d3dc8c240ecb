/**
 * Phase A: the mocha suites of test/extension, run inside the extension host of a code-server workbench.
 * The workbench is opened with a test payload, as @vscode/test-web does: `extensionDevelopmentPath` is the
 * extension as installed from the .vsix (so the packaged files are what runs) and `extensionTestsPath` the
 * compiled suites; the workbench reports the suites' exit code through `window.codeAutomationExit`.
 */
import * as fs from 'node:fs';
import type { Browser } from 'playwright-core';
import type { SuiteReport } from '../../extension/report';
import { VIEWPORT } from '../browser';
import type { CodeServer } from '../codeServer';
import type { Results } from '../results';

const PHASE = 'extension host';

export interface ExtensionHostRun {
  workspaceDir: string;
  /** Absolute folder of the installed extension on the code-server machine. */
  extensionPath: string;
  /** Absolute path of the compiled out/test/extension/index.js. */
  testsEntry: string;
  /** Where the suites write their SuiteReport (the server was started with it in the environment). */
  reportFile: string;
  timeoutMs: number;
}

export async function runExtensionHostSuites(
  browser: Browser,
  server: CodeServer,
  run: ExtensionHostRun,
  results: Results,
): Promise<{ exitCode: number | undefined; metrics: SuiteReport['metrics'] }> {
  const context = await browser.newContext({ viewport: VIEWPORT });
  try {
    const page = await context.newPage();
    const exitCode = new Promise<number>((resolve) => {
      void page.exposeFunction('codeAutomationExit', (code: number) => resolve(code));
    });
    // The workbench forwards its and the extension host's console output here while tests run; errors help.
    await page.exposeFunction('codeAutomationLog', (type: string, args: unknown[]) => {
      if (type === 'error') console.error('  [workbench]', ...args);
    });

    const remote = (file: string) => `vscode-remote://${server.authority}${file}`;
    const payload = [
      ['extensionDevelopmentPath', remote(run.extensionPath)],
      ['extensionTestsPath', remote(run.testsEntry)],
    ];
    const url = `${server.url}/?folder=${encodeURIComponent(run.workspaceDir)}&payload=${encodeURIComponent(JSON.stringify(payload))}`;
    await page.goto(url);

    const code = await Promise.race([
      exitCode,
      new Promise<undefined>((resolve) => setTimeout(resolve, run.timeoutMs, undefined)),
    ]);
    const report = readReport(run.reportFile);
    for (const test of report?.tests ?? []) {
      results.add({ phase: PHASE, name: test.title, passed: test.passed, detail: test.error });
    }
    if (code === undefined) {
      results.add({ phase: PHASE, name: 'suites finish', passed: false, detail: `no exit code within ${run.timeoutMs / 1000} s` });
    } else if (!report) {
      results.add({ phase: PHASE, name: 'suites report', passed: false, detail: `exit code ${code} and no report in ${run.reportFile}` });
    } else if (code !== 0 && report.tests.every((test) => test.passed)) {
      results.add({ phase: PHASE, name: 'suites exit code', passed: false, detail: `exit code ${code}` });
    }
    return { exitCode: code, metrics: report?.metrics ?? {} };
  } finally {
    await context.close();
  }
}

function readReport(file: string): SuiteReport | undefined {
  try {
    return JSON.parse(fs.readFileSync(file, 'utf8')) as SuiteReport;
  } catch {
    return undefined;
  }
}
