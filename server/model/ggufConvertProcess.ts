/**
 * Runs the conversion of a GGUF file in a child process (`rook convert FILE OUT --quant match
 * --external-data-threshold 0 --progress-json`):
 * converting is synchronous and holds a tensor at a time in memory, so in the sidecar it would stop the LSP loop
 * (completions, status, cancel) for minutes and could take the sidecar down with it when memory runs out. A child is
 * also the one thing that can be stopped at any point: cancelling kills it.
 */
import { spawn } from 'node:child_process';
import * as os from 'node:os';
import * as path from 'node:path';
import type { GgufConverter } from './ggufCache';

/** The `rook` CLI this code runs in: the bundle itself (`dist/rook.js`), or `server/cli/main.js` in a tsc build. */
export function rookCliScript(): string {
  return path.basename(__filename) === 'rook.js' ? __filename : path.join(__dirname, '..', 'cli', 'main.js');
}

/** The most stderr kept for the error message: the converter's own message is one line. */
const maxErrorChars = 4000;

/** The error a failed conversion gives: the converter's own message, which names the file and the fix. */
export class GgufConversionError extends Error {
  override name = 'GgufConversionError';
}

/** What the child's stderr said, cut to its message (`rook: ` is how the CLI prefixes an error). */
export function conversionFailure(stderrText: string, code: number | null, signal: NodeJS.Signals | null): string {
  const lines = stderrText.split('\n').map((line) => line.trim()).filter((line) => line && !line.startsWith('{'));
  const message = lines.map((line) => line.replace(/^rook( convert)?: /, '')).join(' ').slice(-maxErrorChars);
  if (message) return message;
  if (signal) return `the conversion was stopped by ${signal} (out of memory?)`;
  return `the conversion exited with code ${code}`;
}

export function childProcessConverter(cliScript = rookCliScript()): GgufConverter {
  return (file, out, { signal, onProgress } = {}) =>
    new Promise<void>((resolve, reject) => {
      signal?.throwIfAborted();
      // Weights in model.onnx.data, whatever their size: ONNX Runtime maps an external data file and uses the weights
      // in place, where it copies weights held inside model.onnx (bench/gguf: 36 MiB against 291 MiB after loading).
      const args = [cliScript, 'convert', file, out, '--quant', 'match', '--external-data-threshold', '0', '--progress-json'];
      const child = spawn(process.execPath, args, { stdio: ['ignore', 'ignore', 'pipe'] });
      try {
        // Background work: the editor (and the sidecar answering it) comes first.
        if (child.pid !== undefined) os.setPriority(child.pid, 10);
      } catch {
        // Not permitted here; it only runs at the normal priority.
      }
      const abort = () => child.kill('SIGKILL');
      signal?.addEventListener('abort', abort, { once: true });
      let pending = '';
      let errorText = '';
      child.stderr.setEncoding('utf8');
      child.stderr.on('data', (chunk: string) => {
        pending += chunk;
        const lines = pending.split('\n');
        pending = lines.pop() ?? '';
        for (const line of lines) {
          const progress = parseProgress(line);
          if (progress) onProgress?.({ done: progress.read, total: progress.total });
          else errorText = `${errorText}${line}\n`.slice(-maxErrorChars);
        }
      });
      child.on('error', (error) => {
        signal?.removeEventListener('abort', abort);
        reject(new GgufConversionError(`${file}: could not start the converter (${error.message})`));
      });
      child.on('close', (code, killedBy) => {
        signal?.removeEventListener('abort', abort);
        if (signal?.aborted) reject(signal.reason);
        else if (code === 0) resolve();
        else reject(new GgufConversionError(conversionFailure(`${errorText}${pending}`, code, killedBy)));
      });
    });
}

function parseProgress(line: string): { read: number; total: number } | undefined {
  if (!line.startsWith('{')) return undefined;
  try {
    const { read, total } = JSON.parse(line) as { read?: unknown; total?: unknown };
    return typeof read === 'number' && typeof total === 'number' && total > 0 ? { read, total } : undefined;
  } catch {
    return undefined;
  }
}
