/**
 * The sidecar's side of a GGUF file in `rook.local.modelPath`: its conversion into the model cache, run in a child
 * process (the LSP loop keeps answering), reported to the client as `rook/modelConversion` notifications with a
 * percentage, and stopped by `rook/cancelModelConversion`. One conversion runs at a time: a configuration that names
 * the same file shares the running one, one that names another file (or no file) stops it.
 */
import { randomUUID } from 'node:crypto';
import * as path from 'node:path';
import type { Connection } from 'vscode-languageserver';
import { cachedGgufModel, type GgufConverter } from '../model/ggufCache';
import { cancelModelConversionNotification, modelConversionNotification, type ModelConversionParams } from '../protocol/contract';

interface Running {
  id: string;
  file: string;
  controller: AbortController;
  done: Promise<string>;
}

/** Marks an abort as the user's (or a newer configuration's), which the engine selection reports as a cancel. */
export class ConversionCancelled extends Error {
  override name = 'AbortError';
  readonly cancelled = true;
}

export class ModelConversions {
  private running: Running | undefined;
  private send: ((params: ModelConversionParams) => void) | undefined;

  /** `onStatus` gets a line for the status while a conversion runs ("Converting X: 42%"). */
  constructor(
    private readonly cacheDir: () => string,
    private readonly convert: GgufConverter,
    private readonly onStatus: (message: string) => void,
  ) {}

  initialize(connection: Connection): void {
    // The converter is a child process: a sidecar that exits (its client gone, stdin closed) takes it along.
    process.once('exit', () => this.dispose());
    this.send = (params) => void connection.sendNotification(modelConversionNotification, params).catch(() => undefined);
    connection.onNotification(cancelModelConversionNotification, (params: unknown) => {
      const id = (params as { id?: unknown } | null)?.id;
      if (typeof id === 'string' && this.running?.id === id) this.running.controller.abort(new ConversionCancelled(`Converting ${this.running.file} was cancelled.`));
    });
  }

  /** Stops a running conversion unless it is of `file` (the model the new settings name, if any). */
  keepOnly(file: string | undefined): void {
    if (this.running && this.running.file !== file) this.running.controller.abort(new ConversionCancelled(`Converting ${this.running.file} was stopped: the settings name another model.`));
  }

  /** The model folder for the GGUF `file`: the cache's, or converted now (with notifications). */
  prepare(file: string): Promise<string> {
    if (this.running?.file === file) return this.running.done;
    this.keepOnly(file);
    const id = randomUUID();
    const controller = new AbortController();
    const name = path.basename(file);
    let percentage = -1;
    let begun = false;
    const report = (params: Omit<ModelConversionParams, 'id' | 'file'>) => this.send?.({ id, file, ...params });
    const done = (async () => {
      try {
        const { dir } = await cachedGgufModel(file, this.cacheDir(), this.convert, {
          signal: controller.signal,
          onStart: () => {
            begun = true;
            report({ kind: 'begin', percentage: 0, message: `${name}: converting for Rook, once` });
            this.onStatus(`Converting ${file} for Rook (once; later starts load the converted copy)…`);
          },
          onProgress: ({ done: read, total }) => {
            const now = Math.floor((read / total) * 100);
            if (now === percentage) return;
            percentage = now;
            report({ kind: 'report', percentage: now, message: `reading weights: ${read}/${total} tensors` });
            this.onStatus(`Converting ${file} for Rook (once; later starts load the converted copy): ${now}%`);
          },
        });
        if (begun) report({ kind: 'end', outcome: 'converted', percentage: 100 });
        return dir;
      } catch (error) {
        // A begin without an end would leave the client's notification open.
        if (begun) report({ kind: 'end', outcome: controller.signal.aborted ? 'cancelled' : 'failed' });
        throw controller.signal.aborted ? (controller.signal.reason ?? new ConversionCancelled('cancelled')) : error;
      } finally {
        if (this.running?.id === id) this.running = undefined;
      }
    })();
    this.running = { id, file, controller, done };
    return done;
  }

  dispose(): void {
    this.running?.controller.abort(new ConversionCancelled('The sidecar is shutting down.'));
  }
}
