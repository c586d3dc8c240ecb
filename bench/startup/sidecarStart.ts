/**
 * Sidecar start time: spawn `rook lsp --stdio` and time until its `initialize` answer, against the
 * floor of any Node sidecar (a bare `node -e ''` start-to-exit) measured in the same run.
 * Run: node out/bench/startup/sidecarStart.js [runs]   (after `npm run build` and `tsc`)
 */
import { spawn } from 'node:child_process';
import { writeFileSync } from 'node:fs';
import * as path from 'node:path';
import { createProtocolConnection, InitializeRequest, StreamMessageReader, StreamMessageWriter } from 'vscode-languageserver-protocol/node';
import { percentile } from '../../server/metrics/latency';

const repoRoot = path.resolve(__dirname, '../../..');
const cli = path.join(repoRoot, 'dist', 'rook.js');

async function sidecarStartMs(): Promise<number> {
  const started = performance.now();
  const child = spawn(process.execPath, [cli, 'lsp', '--stdio'], { stdio: 'pipe' });
  const connection = createProtocolConnection(new StreamMessageReader(child.stdout), new StreamMessageWriter(child.stdin));
  connection.listen();
  await connection.sendRequest(InitializeRequest.type, { processId: process.pid, rootUri: null, capabilities: {} });
  const elapsed = performance.now() - started;
  connection.dispose();
  child.kill();
  return elapsed;
}

function bareNodeMs(): Promise<number> {
  const started = performance.now();
  return new Promise((resolve) => spawn(process.execPath, ['-e', ''], { stdio: 'ignore' }).once('exit', () => resolve(performance.now() - started)));
}

async function main(): Promise<void> {
  const runs = Number(process.argv[2] ?? 15);
  const sidecar: number[] = [];
  const bare: number[] = [];
  for (let i = 0; i < runs; i++) {
    bare.push(await bareNodeMs());
    sidecar.push(await sidecarStartMs());
  }
  const result = {
    runs,
    sidecarInitializeMs: { p50: percentile(sidecar, 50), p90: percentile(sidecar, 90) },
    bareNodeMs: { p50: percentile(bare, 50), p90: percentile(bare, 90) },
    ratioP50: percentile(sidecar, 50) / percentile(bare, 50),
  };
  console.log(
    `sidecar start to initialize: p50 ${result.sidecarInitializeMs.p50.toFixed(0)} ms, p90 ${result.sidecarInitializeMs.p90.toFixed(0)} ms; ` +
      `bare node: p50 ${result.bareNodeMs.p50.toFixed(0)} ms; ratio ${result.ratioP50.toFixed(2)}x`,
  );
  writeFileSync(path.join(repoRoot, 'bench', 'startup', 'results.json'), JSON.stringify(result, null, 2) + '\n');
}

void main();
