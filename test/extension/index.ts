/**
 * Entry point the extension host calls (`extensionTestsPath`): runs the mocha suites next to this file
 * (`*.test.js`) with the real `vscode` API, and writes a JSON report when the harness asks for one.
 */
import * as fs from 'node:fs';
import * as path from 'node:path';
import Mocha from 'mocha';
import { metrics, REPORT_PATH_ENV, type SuiteReport, type TestOutcome } from './report';

export async function run(): Promise<void> {
  const mocha = new Mocha({ ui: 'bdd', color: false, timeout: 60_000, reporter: 'spec' });
  for (const file of fs.readdirSync(__dirname).filter((name) => name.endsWith('.test.js')).sort()) {
    mocha.addFile(path.join(__dirname, file));
  }

  const outcomes: TestOutcome[] = [];
  const failures = await new Promise<number>((resolve) => {
    const runner = mocha.run(resolve);
    runner.on('pass', (test) => outcomes.push({ title: test.fullTitle(), passed: true, durationMs: test.duration }));
    runner.on('fail', (test, error: Error) => outcomes.push({ title: test.fullTitle(), passed: false, error: error.message }));
  });

  const reportPath = process.env[REPORT_PATH_ENV];
  if (reportPath) {
    const report: SuiteReport = { tests: outcomes, metrics };
    fs.writeFileSync(reportPath, JSON.stringify(report, null, 2));
  }
  if (failures > 0) throw new Error(`${failures} extension-host test(s) failed`);
}
