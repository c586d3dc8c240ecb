/**
 * The machine's memory read bandwidth as the engines see it: `threads` worker threads at once each compare two
 * equal buffers far larger than any cache (`Buffer.compare` is a native memcmp, so every byte of both is read),
 * and the bytes read by all of them are divided by the time taken. Median of `repetitions`.
 */
import { Worker, isMainThread, parentPort, workerData } from 'node:worker_threads';
import { median } from './median';

/** Bytes each worker reads per repetition (two buffers of half this size). */
const bytesPerWorker = 512 * 1024 * 1024;

function runWorker(): void {
  const half = (workerData as { half: number }).half;
  const a = Buffer.alloc(half, 7);
  const b = Buffer.alloc(half, 7);
  parentPort!.on('message', () => parentPort!.postMessage(Buffer.compare(a, b)));
  parentPort!.postMessage('ready');
}

function nextMessage(worker: Worker): Promise<unknown> {
  return new Promise((resolve, reject) => {
    worker.once('message', resolve);
    worker.once('error', reject);
  });
}

/**
 * Read bandwidth in bytes per second with `threads` concurrent readers: per wall-clock second, and per second of
 * CPU time of each reader (the process's CPU time over `threads`), which is what the readers get while they run
 * on a busy machine.
 */
export async function measureReadBandwidth(threads: number, repetitions = 5): Promise<{ perSecond: number; perCpuSecond: number }> {
  const workers = Array.from({ length: threads }, () => new Worker(__filename, { workerData: { half: bytesPerWorker / 2 } }));
  try {
    await Promise.all(workers.map(nextMessage));
    const perSecond: number[] = [];
    const perCpuSecond: number[] = [];
    for (let rep = 0; rep < repetitions + 1; rep++) {
      const start = performance.now();
      const cpuStart = process.cpuUsage();
      const done = workers.map(nextMessage);
      workers.forEach((worker) => worker.postMessage('read'));
      const results = await Promise.all(done);
      if (results.some((result) => result !== 0)) throw new Error('bandwidth buffers differ');
      const seconds = (performance.now() - start) / 1000;
      const cpu = process.cpuUsage(cpuStart);
      const cpuSecondsPerReader = (cpu.user + cpu.system) / 1e6 / threads;
      if (rep === 0) continue; // the first pass warms the pages
      perSecond.push((threads * bytesPerWorker) / seconds);
      perCpuSecond.push((threads * bytesPerWorker) / cpuSecondsPerReader);
    }
    return { perSecond: median(perSecond), perCpuSecond: median(perCpuSecond) };
  } finally {
    await Promise.all(workers.map((worker) => worker.terminate()));
  }
}

if (!isMainThread) runWorker();
