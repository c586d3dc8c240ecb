/**
 * `rook/compareModels` on the real sidecar (dist/rook.js, which carries the embedded model) configured for an
 * OpenAI-compatible server (the protocol test server): the embedded model and the configured engine answer the same
 * cases cut from a folder's code; progress arrives as LSP work-done progress; cancelling stops it with the cases
 * run so far; bad params are refused by field.
 */
import * as assert from 'node:assert/strict';
import { randomUUID } from 'node:crypto';
import * as fs from 'node:fs';
import { tmpdir } from 'node:os';
import * as path from 'node:path';
import { after, before, describe, test } from 'node:test';
import { CancellationTokenSource, WorkDoneProgress, type WorkDoneProgressBegin, type WorkDoneProgressEnd, type WorkDoneProgressReport } from 'vscode-languageserver-protocol';
import { compareModelsRequest, defaultSettings, RookErrorCodes } from '../../server/protocol/contract';
import { startOpenAIServer, type OpenAIServer } from '../support/openaiServer';
import { repoRoot, settingsFor, startSidecar, type Sidecar } from './sidecarProcess';

const secretMarker = 'SECRET_FILE_MARKER';

const moduleText = (name: string) => `export function ${name}(values: number[]): number {
  let best = values[0];
  for (const value of values) {
    if (value > best) best = value;
  }
  return best;
}

export const ${name}Name = '${name} of the values';
`;

describe('comparing models on a folder (rook/compareModels)', () => {
  let server: OpenAIServer;
  let sidecar: Sidecar;
  let folder: string;

  before(async () => {
    server = await startOpenAIServer({ reply: () => 'best = value;\n', logprobOf: () => -0.05, chunkSize: 4, chunkDelayMs: 1 });
    folder = fs.mkdtempSync(path.join(tmpdir(), 'rook-compare-'));
    fs.writeFileSync(path.join(folder, 'largest.ts'), moduleText('largest'));
    fs.writeFileSync(path.join(folder, 'smallest.ts'), moduleText('smallest'));
    fs.mkdirSync(path.join(folder, 'secrets'));
    fs.writeFileSync(path.join(folder, 'secrets', 'keys.ts'), moduleText(secretMarker));
    fs.writeFileSync(path.join(folder, '.gitignore'), 'vendor/\n');
    fs.mkdirSync(path.join(folder, 'vendor'));
    fs.writeFileSync(path.join(folder, 'vendor', 'lib.ts'), moduleText(secretMarker));
    sidecar = await startSidecar();
    assert.equal((await sidecar.configure(settingsFor([server.baseUrl]))).state, 'ready');
  });
  after(async () => {
    await sidecar?.stop();
    await server.close();
    fs.rmSync(folder, { recursive: true, force: true });
  });

  test('runs the embedded model and the configured engine on the same cases, reporting work-done progress', { timeout: 120_000 }, async () => {
    const workDoneToken = randomUUID();
    const progress: (WorkDoneProgressBegin | WorkDoneProgressReport | WorkDoneProgressEnd)[] = [];
    const subscription = sidecar.connection.onProgress(WorkDoneProgress.type, workDoneToken, (value) => void progress.push(value));
    const before = server.requests.length;
    const comparison = await sidecar.connection.sendRequest(compareModelsRequest, { root: folder, cases: 6, workDoneToken });
    subscription.dispose();

    assert.deepEqual(
      comparison.candidates.map(({ name, location, cases, error }) => ({ name, location, cases, error })),
      [
        { name: 'local · rook-moe-mini', location: path.join(repoRoot, 'models', 'rook-moe-mini'), cases: 6, error: undefined },
        { name: 'openai · test-model', location: server.baseUrl, cases: 6, error: undefined },
      ],
    );
    assert.equal(comparison.files, 2, 'secrets/ (an excluded glob) and vendor/ (.gitignore) are left out');
    assert.equal(comparison.lineCases + comparison.infillCases, 6);
    assert.equal(comparison.minConfidence, defaultSettings.completion.minConfidence, 'the configured threshold');
    assert.equal(comparison.cancelled, undefined);
    const remote = comparison.candidates[1];
    assert.equal(remote.shown, 1, 'the server is sure of every token');
    assert.ok(remote.latencyP50Ms > 0 && remote.latencyP95Ms >= remote.latencyP50Ms);
    assert.ok(remote.tokensPerSecond! > 0);
    const sent = server.requests.slice(before).filter((r) => r.path === '/v1/completions');
    assert.equal(sent.length, 7, 'six cases and a warm-up');
    assert.ok(sent.every((r) => !JSON.stringify(r.body).includes(secretMarker)));

    assert.equal(progress[0].kind, 'begin');
    assert.equal((progress[0] as WorkDoneProgressBegin).cancellable, true);
    const reports = progress.filter((p): p is WorkDoneProgressReport => p.kind === 'report');
    assert.equal(reports.length, 12);
    assert.deepEqual(reports.map((r) => r.percentage), [8, 17, 25, 33, 42, 50, 58, 67, 75, 83, 92, 100]);
    assert.match(reports[0].message!, /^1\/12 cases · local · rook-moe-mini$/);
    assert.match(reports[11].message!, /^12\/12 cases · openai · test-model$/);
    assert.equal(progress.at(-1)!.kind, 'end');
  });

  test('cancelling answers with the cases run so far, and the sidecar compares again afterwards', { timeout: 120_000 }, async () => {
    const workDoneToken = randomUUID();
    const source = new CancellationTokenSource();
    let reports = 0;
    const subscription = sidecar.connection.onProgress(WorkDoneProgress.type, workDoneToken, (value) => {
      if (value.kind === 'report' && ++reports === 2) source.cancel();
    });
    const comparison = await sidecar.connection.sendRequest(compareModelsRequest, { root: folder, cases: 40, workDoneToken }, source.token);
    subscription.dispose();
    assert.equal(comparison.cancelled, true);
    assert.equal(comparison.candidates.length, 1, 'the second candidate never started');
    assert.ok(comparison.candidates[0].cases >= 2 && comparison.candidates[0].cases < 10, `${comparison.candidates[0].cases} cases run`);
    const again = await sidecar.connection.sendRequest(compareModelsRequest, { root: folder, cases: 2 });
    assert.deepEqual(again.candidates.map((c) => c.cases), [2, 2]);
  });

  test('refuses a relative or missing folder and bad bounds, naming the field', async () => {
    for (const [params, message] of [
      [{ root: 'relative/path' }, /root must be an absolute folder path/],
      [{ root: path.join(folder, 'missing') }, /root ".*missing" is not a folder/],
      [{ root: folder, cases: 0 }, /cases must be a whole number from 1 to 1000/],
      [{ root: folder, excludeGlobs: 'secrets/**' }, /excludeGlobs must be a list of at most 200 globs/],
      [{ root: folder, workDoneToken: { nested: true } }, /workDoneToken must be a string or an integer/],
    ] as const) {
      const answer = await sidecar.rawRequest('rook/compareModels', params);
      assert.equal(answer.error?.code, RookErrorCodes.InvalidParams, JSON.stringify(params));
      assert.match(answer.error!.message, message);
    }
  });
});
