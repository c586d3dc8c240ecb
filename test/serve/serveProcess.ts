/**
 * Starts a real `rook serve` child process (the tsc-compiled CLI in out/, so these tests need no
 * bundle step) and waits for the line that says where it listens.
 */
import { spawn, type ChildProcess } from 'node:child_process';
import * as http from 'node:http';
import * as path from 'node:path';
import { Readable } from 'node:stream';
import { tinyModelFolder } from '../engine/fixtures';

export const cliPath = path.resolve(__dirname, '../../server/cli/main.js');

/** A tiny random Grok model with room for long generations (1024 tokens, about a second on one core). */
export function serveModelFolder(seed = 11): string {
  return tinyModelFolder({ contextLength: 2048 }, seed).dir;
}

export interface ServeProcess {
  process: ChildProcess;
  /** Base URL with the API prefix, e.g. `http://127.0.0.1:41234/v1`. */
  baseUrl: string;
  /** Everything the process printed so far, stdout and stderr. */
  output(): string;
  stop(): Promise<void>;
}

export interface ServeExit {
  code: number | null;
  output: string;
}

function launch(args: string[], env: NodeJS.ProcessEnv = {}): { child: ChildProcess; output: () => string } {
  const child = spawn(process.execPath, [cliPath, 'serve', '--port', '0', '--ep', 'cpu', '--threads', '1', ...args], {
    stdio: ['ignore', 'pipe', 'pipe'],
    env: { ...process.env, ROOK_SERVE_TOKEN: '', ...env },
  });
  let output = '';
  child.stdout!.on('data', (chunk: Buffer) => (output += chunk.toString()));
  child.stderr!.on('data', (chunk: Buffer) => (output += chunk.toString()));
  return { child, output: () => output };
}

export async function startServe(args: string[], env?: NodeJS.ProcessEnv): Promise<ServeProcess> {
  const { child, output } = launch(args, env);
  const baseUrl = await new Promise<string>((resolve, reject) => {
    const timer = setTimeout(() => reject(new Error(`rook serve did not start in 20 s:\n${output()}`)), 20_000);
    const check = () => {
      const match = /listening on (\S+)/.exec(output());
      if (match) {
        clearTimeout(timer);
        resolve(match[1]);
      }
    };
    child.stdout!.on('data', check);
    child.once('exit', (code) => {
      clearTimeout(timer);
      reject(new Error(`rook serve exited (${code}) before listening:\n${output()}`));
    });
  });
  return {
    process: child,
    baseUrl,
    output,
    stop: async () => {
      if (child.exitCode !== null || child.signalCode !== null) return;
      const exited = new Promise((resolve) => child.once('exit', resolve));
      child.kill('SIGKILL');
      await exited;
    },
  };
}

/** Runs `rook serve` expecting it to refuse to start; resolves with its exit code and output. */
export async function serveRefusal(args: string[], env?: NodeJS.ProcessEnv): Promise<ServeExit> {
  const { child, output } = launch(args, env);
  const timer = setTimeout(() => child.kill('SIGKILL'), 20_000);
  const code = await new Promise<number | null>((resolve) => child.once('exit', resolve));
  clearTimeout(timer);
  return { code, output: output() };
}

/**
 * POSTs JSON from a chosen loopback address (`127.0.0.2`, ...), so one test can be several clients: the
 * server tells clients apart by address. Resolves with the response once its headers arrive, as a fetch
 * `Response`; aborting `signal` closes the connection.
 */
export function postFrom(localAddress: string, url: string, body: unknown, options: { bearer?: string; signal?: AbortSignal } = {}): Promise<Response> {
  const text = JSON.stringify(body);
  const headers: http.OutgoingHttpHeaders = { 'content-type': 'application/json', 'content-length': Buffer.byteLength(text) };
  if (options.bearer) headers.authorization = `Bearer ${options.bearer}`;
  return new Promise((resolve, reject) => {
    const request = http.request(url, { method: 'POST', headers, localAddress, signal: options.signal }, (res) => {
      const responseHeaders = new Headers();
      for (const [name, value] of Object.entries(res.headers)) {
        if (value !== undefined) responseHeaders.set(name, Array.isArray(value) ? value.join(', ') : value);
      }
      resolve(new Response(Readable.toWeb(res) as ReadableStream, { status: res.statusCode, headers: responseHeaders }));
    });
    request.on('error', reject);
    request.end(text);
  });
}
