/**
 * The fuzz suite's bounded run (issue 22): every reader and server gets `ROOK_FUZZ_COUNT` mutated inputs (default
 * 3000 a target) and must refuse the bad ones with Rook's own errors, with no crash, hang or allocation over
 * budget. `npm run fuzz -- --count N` runs longer campaigns. The harness itself is checked first, on a target with
 * each defect, so a run that finds nothing means something.
 */
import assert from 'node:assert/strict';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { describe, test } from 'node:test';
import { runCampaign } from './campaign';
import { formatReport } from './report';
import { targetModules, type TargetName } from './target';
import { tempDir } from '../support/tempDir';

const count = Number(process.env.ROOK_FUZZ_COUNT ?? 3000);

describe('the fuzz harness', () => {
  test('finds a crash, a hang and a trusted length in a broken reader, saves each input, and carries on after each', async () => {
    const findingsDir = tempDir('fuzz-findings');
    const report = await runCampaign({ name: 'broken', module: path.join(__dirname, 'selfTest', 'brokenTarget.js'), count: 150, seed: 4, hangMs: 300, findingsDir, heapMb: 256 });
    assert.equal(report.tried, 150);
    assert.ok(report.crashes > 0, 'the TypeError is a crash');
    assert.ok(report.hangs > 0, 'the endless loop is a hang');
    assert.ok(report.allocations > 0, 'the 16 MB allocation for a few bytes is over budget');
    assert.ok(report.refused > 0 && report.accepted > 0);
    assert.equal(report.accepted + report.refused + report.crashes + report.hangs, report.tried, 'every input is counted once (allocations are counted besides)');
    const crash = report.findings.find((finding) => finding.kind === 'crash')!;
    assert.match(crash.detail, /TypeError/);
    assert.ok(fs.readFileSync(crash.file!)[0] < 0x20, 'the saved input is the one that crashed');
    for (const finding of report.findings) assert.ok(fs.existsSync(finding.file!));
  });
});

describe(`fuzzing Rook's readers and servers (${count} inputs each)`, () => {
  for (const name of Object.keys(targetModules) as TargetName[]) {
    test(`${name}: bad inputs get Rook's own errors; nothing crashes, hangs or allocates past twice the input`, async () => {
      const report = await runCampaign({ name, module: path.join(__dirname, `${targetModules[name]}.js`), count, seed: 1, findingsDir: path.resolve('.cache', 'fuzz') });
      console.log(formatReport([report]));
      assert.equal(report.tried, count);
      assert.deepEqual(report.findings.map((finding) => `${finding.kind} at ${finding.index}: ${finding.detail.split('\n')[0]}`), []);
      // The mutations must reach the checks (refusals) and leave some inputs valid, or the run tested little.
      assert.ok(report.refused >= count / 10, `only ${report.refused} refusals`);
      assert.ok(report.accepted > 0, 'no input was accepted');
    });
  }
});
