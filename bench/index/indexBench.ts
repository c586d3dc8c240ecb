/**
 * The workspace index (issue 19) on a synthetic workspace of 10,000 files (`syntheticWorkspace.ts`), in the real
 * sidecar (`rook lsp --stdio`) over LSP:
 *   - files indexed per second, from start to `rook/status` saying ready, and sidecar RSS with the index against
 *     the same sidecar with `rook.index.enabled` false;
 *   - time to ready when the saved index is there (a reopened workspace), and RSS then;
 *   - completion latency while indexing runs against the same requests once it is idle (a completion every
 *     100 ms, as typing asks; the engine is the OpenAI-protocol test server answering at once, so the figure is the
 *     sidecar's own time), and the sidecar's CPU use while indexing;
 *   - in this process, query latency p50/p95 of the index's ranking alone (wall and CPU time) and with the chunks'
 *     text read, for completion queries (the names near random positions of the workspace's files).
 * Run: node out/bench/index/indexBench.js [--files N]   (after `npm run build` and `tsc`); writes results.json beside it.
 */
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { pathToFileURL } from 'node:url';
import { DidOpenTextDocumentNotification, InlineCompletionRequest, InlineCompletionTriggerKind } from 'vscode-languageserver-protocol/node';
import { retrievalQuery } from '../../server/completion/retrieval';
import { Bm25Index } from '../../server/index/bm25';
import { WorkspaceIndex } from '../../server/index/workspaceIndex';
import { percentile } from '../../server/metrics/latency';
import { statusRequest, type IndexStatus } from '../../server/protocol/contract';
import { rssMb, seededRandom } from '../completion/replay';
import { startOpenAIServer, type OpenAIServer } from '../../test/support/openaiServer';
import { settingsFor, startSidecar, type Sidecar } from '../../test/sidecar/sidecarProcess';
import { repoRoot, syntheticFiles, writeSyntheticWorkspace } from './syntheticWorkspace';

const round = (value: number, digits = 2) => Number(value.toFixed(digits));

async function waitReady(sidecar: Sidecar, timeoutMs: number): Promise<IndexStatus> {
  const deadline = performance.now() + timeoutMs;
  for (;;) {
    const { index } = await sidecar.connection.sendRequest(statusRequest);
    if (index && index.state !== 'indexing' && index.files > 0) return index;
    if (performance.now() > deadline) throw new Error(`not indexed within ${timeoutMs} ms: ${JSON.stringify(index)}`);
    await new Promise((resolve) => setTimeout(resolve, 100));
  }
}

/** User and system CPU seconds of a process so far. */
function cpuSeconds(pid: number): number {
  const fields = fs.readFileSync(`/proc/${pid}/stat`, 'utf8').split(') ')[1].split(' ');
  return (Number(fields[11]) + Number(fields[12])) / 100;
}

/** Completions asked every `intervalMs` while `running()`, or `count` of them; their latencies in ms. */
async function typing(sidecar: Sidecar, uri: string, text: string, until: () => boolean, count: number, intervalMs: number): Promise<number[]> {
  const latencies: number[] = [];
  const lines = text.split('\n');
  const position = { line: lines.length - 1, character: lines.at(-1)!.length };
  while (latencies.length < count && !until()) {
    const started = performance.now();
    await sidecar.connection.sendRequest(InlineCompletionRequest.type, { textDocument: { uri }, position, context: { triggerKind: InlineCompletionTriggerKind.Automatic } });
    latencies.push(performance.now() - started);
    await new Promise((resolve) => setTimeout(resolve, intervalMs));
  }
  return latencies;
}

async function sidecarFigures(workspace: string, files: number, server: OpenAIServer) {
  const storage = fs.mkdtempSync(path.join(os.tmpdir(), 'rook-index-bench-store-'));
  const settings = settingsFor([server.baseUrl]);
  // The same sidecar without the index: the baseline of RSS and completion latency.
  const bare = await startSidecar({ workspaceFolder: workspace, indexStoragePath: storage });
  await bare.configure({ ...settings, index: { enabled: false } });
  await new Promise((resolve) => setTimeout(resolve, 1000));
  const bareRss = rssMb(bare.process.pid!);
  await bare.stop();

  const sidecar = await startSidecar({ workspaceFolder: workspace, indexStoragePath: storage });
  const started = performance.now();
  const cpuBefore = cpuSeconds(sidecar.process.pid!);
  await sidecar.configure(settings);
  const uri = pathToFileURL(path.join(workspace, 'typing.ts')).href;
  const text = 'import { retrievalQuery } from "./retrieval";\nconst query = retrievalQuery(text, offset);\nconst found = ';
  await sidecar.connection.sendNotification(DidOpenTextDocumentNotification.type, { textDocument: { uri, languageId: 'typescript', version: 1, text } });
  let indexing = true;
  const ready = waitReady(sidecar, 600_000).finally(() => (indexing = false));
  const whileIndexing = await typing(sidecar, uri, text, () => !indexing, 40, 100);
  const status = await ready;
  const indexSeconds = (performance.now() - started) / 1000;
  const cpuShare = (cpuSeconds(sidecar.process.pid!) - cpuBefore) / indexSeconds;
  await new Promise((resolve) => setTimeout(resolve, 2000));
  const indexedRss = rssMb(sidecar.process.pid!);
  const idle = await typing(sidecar, uri, text, () => false, 40, 100);
  await sidecar.stop();

  const reopened = await startSidecar({ workspaceFolder: workspace, indexStoragePath: storage });
  const reopenStarted = performance.now();
  await reopened.configure(settings);
  await waitReady(reopened, 600_000);
  const reopenSeconds = (performance.now() - reopenStarted) / 1000;
  await new Promise((resolve) => setTimeout(resolve, 2000));
  const reopenedRss = rssMb(reopened.process.pid!);
  await reopened.stop();
  fs.rmSync(storage, { recursive: true, force: true });

  const latency = (values: number[]) => ({ count: values.length, p50Ms: round(percentile(values, 50)), p95Ms: round(percentile(values, 95)) });
  return {
    files: status.files,
    chunks: status.chunks,
    skipped: status.skipped,
    indexSeconds: round(indexSeconds, 1),
    filesPerSecond: Math.round(status.files / indexSeconds),
    sidecarCpuShareWhileIndexing: round(cpuShare),
    rssMb: {
      withoutIndex: bareRss,
      withIndex: indexedRss,
      indexPer10kFiles: round(((indexedRss - bareRss) * 10_000) / status.files, 0),
      reopened: reopenedRss,
      reopenedPer10kFiles: round(((reopenedRss - bareRss) * 10_000) / status.files, 0),
    },
    reopenSeconds: round(reopenSeconds, 1),
    completionLatency: { whileIndexing: latency(whileIndexing), idle: latency(idle), p50Ratio: round(percentile(whileIndexing, 50) / percentile(idle, 50)) },
    requestedFiles: files,
  };
}

/** Query latency in this process, on the same files: ranking alone, and with text read (the sidecar's search). */
async function queryFigures(workspace: string, files: number) {
  const index = new WorkspaceIndex(undefined, () => undefined);
  index.configure([workspace], { enabled: true, excludeGlobs: [] });
  while (index.status().state !== 'ready') await new Promise((resolve) => setTimeout(resolve, 200));
  const random = seededRandom(19);
  const sample = syntheticFiles(files);
  const queries = Array.from({ length: 1000 }, () => {
    const text = sample[Math.floor(random() * sample.length)].text;
    return retrievalQuery(text, Math.floor(random() * text.length));
  }).filter((query) => query.length > 0);
  const ranking: number[] = [];
  const rankingCpu: number[] = [];
  const withText: number[] = [];
  const bm25 = (index as unknown as { folders: Map<string, { index: Bm25Index }> }).folders.get(workspace)!.index;
  for (const query of queries) {
    const cpu = process.cpuUsage();
    let started = performance.now();
    bm25.search(query, 4);
    ranking.push(performance.now() - started);
    const used = process.cpuUsage(cpu);
    rankingCpu.push((used.user + used.system) / 1000);
    started = performance.now();
    await index.search(query, { limit: 4 });
    withText.push(performance.now() - started);
  }
  const summary = (values: number[]) => ({ p50Ms: round(percentile(values, 50), 3), p95Ms: round(percentile(values, 95), 3) });
  // CPU time is what a query costs; wall time also counts waiting for a core on a busy machine.
  return { queries: queries.length, ranking: summary(ranking), rankingCpu: summary(rankingCpu), withText: summary(withText) };
}

async function main(): Promise<void> {
  const flag = process.argv.indexOf('--files');
  const files = flag > 0 ? Number(process.argv[flag + 1]) : 10_000;
  const workspace = path.join(os.tmpdir(), `rook-index-bench-${files}`);
  writeSyntheticWorkspace(workspace, files);
  const server = await startOpenAIServer({ reply: () => ' = 1;' });
  try {
    const sidecar = await sidecarFigures(workspace, files, server);
    const query = await queryFigures(workspace, files);
    const result = { machine: `${os.cpus().length} cores, load average ${round(os.loadavg()[0])}`, sidecar, query };
    console.log(JSON.stringify(result, null, 2));
    console.log(
      `${sidecar.files} files (${sidecar.chunks} chunks) indexed at ${sidecar.filesPerSecond} files/s; ` +
        `query p50 ${query.ranking.p50Ms} ms, p95 ${query.ranking.p95Ms} ms (ranking; CPU time p50 ${query.rankingCpu.p50Ms} ms, p95 ${query.rankingCpu.p95Ms} ms), p95 ${query.withText.p95Ms} ms with text; ` +
        `RSS +${sidecar.rssMb.indexPer10kFiles} MB per 10,000 files (+${sidecar.rssMb.reopenedPer10kFiles} MB reopened, in ${sidecar.reopenSeconds} s); ` +
        `completion p50 while indexing / idle: ${sidecar.completionLatency.p50Ratio}x`,
    );
    fs.writeFileSync(path.join(repoRoot, 'bench', 'index', 'results.json'), JSON.stringify(result, null, 2) + '\n');
  } finally {
    await server.close();
    fs.rmSync(workspace, { recursive: true, force: true });
  }
}

void main();
