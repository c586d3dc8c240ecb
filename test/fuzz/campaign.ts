/**
 * One fuzz campaign: a target in a worker thread, `count` mutated inputs from its seeds, each judged as accepted,
 * refused with Rook's own error (a clean error), a crash (any other exception, or the worker dying), a hang (no
 * answer within `hangMs`; the worker is terminated and started afresh) or an allocation over budget (twice the
 * input's size times the format's expansion, beyond what the valid seeds need). Every finding's input is saved.
 */
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { Worker } from 'node:worker_threads';
import { seededRandom } from '../../server/engines/local/sampler';
import { mutate } from './mutate';
import type { WorkerInit, WorkerReply } from './worker';

export type FindingKind = 'crash' | 'hang' | 'allocation';

export interface Finding {
  kind: FindingKind;
  index: number;
  detail: string;
  /** Where the input was saved, when a folder was given. */
  file?: string;
}

export interface CampaignReport {
  name: string;
  tried: number;
  accepted: number;
  refused: number;
  crashes: number;
  hangs: number;
  allocations: number;
  findings: Finding[];
  /** The slowest input that finished, in ms, and its index (replay it with the same seed). */
  slowestMs: number;
  slowestIndex: number;
  /** The largest allocation made by one input, as a multiple of that input's size. */
  largestAllocationRatio: number;
  seconds: number;
}

export interface CampaignOptions {
  name: string;
  /** The compiled target module (exports `target`). */
  module: string;
  count: number;
  seed: number;
  hangMs?: number;
  /** Saves each finding's input here. */
  findingsDir?: string;
  /** Heap limit of the worker, in MiB: an input that exhausts it is an allocation finding. */
  heapMb?: number;
  onProgress?: (done: number) => void;
}

const workerFile = path.join(__dirname, 'worker.js');

class TargetWorker {
  private worker!: Worker;
  private pending?: { resolve: (reply: WorkerReply) => void; reject: (error: Error) => void };
  seeds: Uint8Array[] = [];
  overhead = 0;
  expansion = 1;

  constructor(private readonly options: CampaignOptions, private readonly scratchDir: string) {}

  async start(): Promise<void> {
    this.worker = new Worker(workerFile, { workerData: { module: this.options.module } satisfies WorkerInit, env: { ...process.env, TMPDIR: this.scratchDir }, resourceLimits: { maxOldGenerationSizeMb: this.options.heapMb ?? 1024 } });
    this.worker.on('message', (reply: WorkerReply) => this.settle((pending) => pending.resolve(reply)));
    this.worker.on('error', (error) => this.settle((pending) => pending.reject(error)));
    this.worker.on('exit', (code) => this.settle((pending) => pending.reject(new Error(`the worker exited with code ${code}`))));
    const ready = await this.next();
    if (ready.kind !== 'ready') throw new Error(`unexpected first reply ${ready.kind}`);
    this.seeds = ready.seeds;
    this.overhead = ready.overhead;
    this.expansion = ready.expansion;
  }

  /** Hands the worker's next reply, error or exit to the run waiting for it, if any. */
  private settle(handle: (pending: NonNullable<TargetWorker['pending']>) => void): void {
    const pending = this.pending;
    this.pending = undefined;
    if (pending) handle(pending);
  }

  private next(): Promise<WorkerReply> {
    return new Promise((resolve, reject) => (this.pending = { resolve, reject }));
  }

  /** The reply for `input`, `undefined` after `hangMs` without one (the worker is then terminated). */
  async run(input: Uint8Array, hangMs: number): Promise<WorkerReply | undefined> {
    const reply = this.next();
    this.worker.postMessage(input);
    let expire!: (value: undefined) => void;
    const timeout = new Promise<undefined>((resolve) => (expire = resolve));
    const timer = setTimeout(() => expire(undefined), hangMs);
    try {
      const result = await Promise.race([reply, timeout]);
      if (result === undefined) {
        this.pending = undefined;
        await this.worker.terminate();
      }
      return result;
    } finally {
      clearTimeout(timer);
    }
  }

  async stop(): Promise<void> {
    this.pending = undefined;
    await this.worker.terminate();
  }
}

export async function runCampaign(options: CampaignOptions): Promise<CampaignReport> {
  const started = performance.now();
  const hangMs = options.hangMs ?? 2000;
  const report: CampaignReport = { name: options.name, tried: 0, accepted: 0, refused: 0, crashes: 0, hangs: 0, allocations: 0, findings: [], slowestMs: 0, slowestIndex: -1, largestAllocationRatio: 0, seconds: 0 };
  const random = seededRandom(options.seed);
  // The workers' temp folder (TMPDIR, which os.tmpdir() reads): what the targets write there, their inputs and
  // seed models, goes with it at the end, though a terminated worker cleans up nothing itself.
  const scratchDir = fs.mkdtempSync(path.join(os.tmpdir(), 'rook-fuzz-'));
  let worker = new TargetWorker(options, scratchDir);
  await worker.start();
  const seeds = worker.seeds;
  const maxBytes = 4 * Math.max(...seeds.map((seed) => seed.length)) + 4096;

  const record = (kind: FindingKind, index: number, input: Uint8Array, detail: string) => {
    const finding: Finding = { kind, index, detail };
    if (options.findingsDir) {
      fs.mkdirSync(options.findingsDir, { recursive: true });
      finding.file = path.join(options.findingsDir, `${options.name}-${kind}-seed${options.seed}-${index}.bin`);
      fs.writeFileSync(finding.file, input);
    }
    report.findings.push(finding);
    report[kind === 'crash' ? 'crashes' : kind === 'hang' ? 'hangs' : 'allocations']++;
  };

  try {
    for (let index = 0; index < options.count; index++) {
      const input = mutate(seeds, random, maxBytes);
      report.tried++;
      let reply: WorkerReply | undefined;
      try {
        reply = await worker.run(input, hangMs);
      } catch (error) {
        // The worker died during the run: out of heap is an allocation finding, anything else a crash.
        const message = (error as Error).message;
        const outOfMemory = (error as NodeJS.ErrnoException).code === 'ERR_WORKER_OUT_OF_MEMORY';
        record(outOfMemory ? 'allocation' : 'crash', index, input, outOfMemory ? `the worker ran out of its heap: ${message}` : ((error as Error).stack ?? message));
        worker = new TargetWorker(options, scratchDir);
        await worker.start();
        continue;
      }
      if (reply === undefined) {
        record('hang', index, input, `no answer within ${hangMs} ms`);
        worker = new TargetWorker(options, scratchDir);
        await worker.start();
        continue;
      }
      if (reply.kind !== 'done') throw new Error(`unexpected reply ${reply.kind}`);
      if (reply.ms > report.slowestMs) [report.slowestMs, report.slowestIndex] = [reply.ms, index];
      report.largestAllocationRatio = Math.max(report.largestAllocationRatio, reply.allocated / Math.max(1, input.length));
      const budget = 2 * input.length * worker.expansion + worker.overhead;
      if (reply.allocated > budget) record('allocation', index, input, `allocated ${reply.allocated} bytes in one piece for a ${input.length}-byte input (budget ${Math.round(budget)})`);
      if (reply.outcome === 'crash') record('crash', index, input, reply.detail ?? 'crash');
      else report[reply.outcome]++;
      options.onProgress?.(index + 1);
    }
  } finally {
    await worker.stop();
    fs.rmSync(scratchDir, { recursive: true, force: true });
  }
  report.seconds = (performance.now() - started) / 1000;
  return report;
}
