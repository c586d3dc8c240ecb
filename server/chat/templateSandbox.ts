/**
 * Chat templates come with a model, from outside, and Jinja can loop: two nested loops over a few thousand items, or a
 * macro that calls itself twice, render for a minute; an array or string of gigabytes ends the process. In the
 * sidecar's own thread either would stop completions too. So templates render in a worker thread with a heap limit and
 * a deadline; a worker that overruns either is ended, the render fails with a message saying why, and the next render
 * starts a fresh worker.
 */
import * as path from 'node:path';
import { Worker } from 'node:worker_threads';
import type { RenderRequest } from './templateRender';

/** Real templates render in milliseconds; this leaves room for starting the worker on a busy machine. */
const renderDeadlineMs = 5000;
const heapLimitMb = 256;

interface Pending {
  resolve: (text: string) => void;
  reject: (error: Error) => void;
  timer: NodeJS.Timeout;
}

interface Renderer {
  worker: Worker;
  pending: Map<number, Pending>;
}

let renderer: Renderer | undefined;
let nextId = 0;

/** Ends `ended`'s worker and fails what it still had to render. */
function fail(ended: Renderer, reason: string): void {
  if (renderer === ended) renderer = undefined;
  for (const { reject, timer } of ended.pending.values()) {
    clearTimeout(timer);
    reject(new Error(reason));
  }
  ended.pending.clear();
  void ended.worker.terminate();
}

function startRenderer(): Renderer {
  // Beside this module in the build (out/server/chat/), and beside the bundled rook.js in dist/.
  const worker = new Worker(path.join(__dirname, 'templateWorker.js'), { resourceLimits: { maxOldGenerationSizeMb: heapLimitMb } });
  const started: Renderer = { worker, pending: new Map() };
  worker.on('message', ({ id, text, error }: { id: number; text?: string; error?: string }) => {
    const waiting = started.pending.get(id);
    if (!waiting) return;
    started.pending.delete(id);
    clearTimeout(waiting.timer);
    // An idle renderer does not keep the process alive (unref'd here: before its first answer, unref did not hold).
    if (started.pending.size === 0) worker.unref();
    if (error !== undefined) waiting.reject(new Error(error));
    else waiting.resolve(text ?? '');
  });
  const memory = `the chat template needed more than ${heapLimitMb} MB to render`;
  worker.on('error', (error: Error & { code?: string }) => fail(started, error.code === 'ERR_WORKER_OUT_OF_MEMORY' ? memory : `the chat template's renderer failed (${error.message})`));
  worker.on('exit', () => fail(started, "the chat template's renderer stopped"));
  return started;
}

/** Renders `request` in the worker; rejects with the template's own error, or when it runs past the deadline or heap. */
export function renderInSandbox(request: RenderRequest, deadlineMs = renderDeadlineMs): Promise<string> {
  const current = (renderer ??= startRenderer());
  const id = nextId++;
  return new Promise((resolve, reject) => {
    const timer = setTimeout(() => fail(current, `the chat template did not render within ${deadlineMs / 1000} s`), deadlineMs);
    current.pending.set(id, { resolve, reject, timer });
    current.worker.ref();
    current.worker.postMessage({ id, request });
  });
}
