/**
 * The fuzz worker: loads one target, measures what its seeds allocate, then runs the inputs the campaign sends,
 * one at a time, reporting how each ended and the largest allocation it made. A run that never ends is found by
 * the campaign's timer (which terminates this thread); one that exhausts the heap ends it too.
 */
import * as path from 'node:path';
import { parentPort, workerData } from 'node:worker_threads';
import { installAllocationMeter } from './allocationMeter';
import type { FuzzTarget } from './target';

export interface WorkerInit {
  /** Absolute path of the target module, which exports `target`. */
  module: string;
}

export type WorkerReply =
  | { kind: 'ready'; seeds: Uint8Array[]; overhead: number; expansion: number }
  | { kind: 'done'; outcome: 'accepted' | 'refused' | 'crash'; detail?: string; allocated: number; ms: number };

const meter = installAllocationMeter();

async function main(): Promise<void> {
  const { module } = workerData as WorkerInit;
  const { target } = require(path.resolve(module)) as { target: FuzzTarget };
  const seeds = await target.seeds();
  // What a valid input needs beyond its own size (a server's working memory, a reader's fixed buffers).
  let overhead = 0;
  for (const seed of seeds) {
    meter.reset();
    const outcome = await target.run(seed);
    if (outcome !== 'accepted') throw new Error(`a seed of ${module} was not accepted (${outcome})`);
    overhead = Math.max(overhead, meter.largest() - 2 * seed.length * target.expansion);
  }
  parentPort!.postMessage({ kind: 'ready', seeds, overhead, expansion: target.expansion } satisfies WorkerReply);

  parentPort!.on('message', async (input: Uint8Array) => {
    meter.reset();
    const started = performance.now();
    let reply: WorkerReply;
    try {
      const outcome = await target.run(input);
      reply = { kind: 'done', outcome, allocated: meter.largest(), ms: performance.now() - started };
    } catch (error) {
      const own = target.ownError(error);
      const detail = own ? undefined : error instanceof Error ? (error.stack ?? error.message) : String(error);
      reply = { kind: 'done', outcome: own ? 'refused' : 'crash', detail, allocated: meter.largest(), ms: performance.now() - started };
    }
    parentPort!.postMessage(reply);
  });
}

// A rejection here, or an error outside a run (in a timer or a promise nobody awaits), is unhandled: it ends the
// worker and reaches the campaign as its 'error' event, a crash.
void main();
