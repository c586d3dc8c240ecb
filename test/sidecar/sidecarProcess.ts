/**
 * Spawns the real sidecar (`node dist/rook.js lsp --stdio`) and speaks LSP to it over its stdio,
 * as any editor would.
 */
import { spawn, type ChildProcessWithoutNullStreams } from 'node:child_process';
import * as path from 'node:path';
import { pathToFileURL } from 'node:url';
import assert from 'node:assert/strict';
import type { OpenAIServer } from '../support/openaiServer';
import {
  createProtocolConnection,
  StreamMessageReader,
  StreamMessageWriter,
  type ProtocolConnection,
  InitializeRequest,
  InitializedNotification,
  DidOpenTextDocumentNotification,
  InlineCompletionRequest,
  InlineCompletionTriggerKind,
  type InitializeResult,
} from 'vscode-languageserver-protocol/node';
import { configureRequest, defaultSettings, type RookSettings, type SidecarStatus } from '../../server/protocol/contract';

export const repoRoot = path.resolve(__dirname, '../../..');
export const cliPath = path.join(repoRoot, 'dist', 'rook.js');

export interface Sidecar {
  process: ChildProcessWithoutNullStreams;
  connection: ProtocolConnection;
  initializeResult: InitializeResult;
  stderr(): string;
  configure(settings: RookSettings): Promise<SidecarStatus>;
  open(uri: string, text: string, languageId?: string): Promise<void>;
  /**
   * Sends a request whose `params` is exactly the given JSON value (`null`, a list, or left out for `undefined`), as a
   * raw frame: the client library would wrap null or a list in a list of positional params. Resolves with the response.
   */
  rawRequest(method: string, params?: unknown): Promise<{ result?: unknown; error?: { code: number; message: string } }>;
  stop(): Promise<void>;
}

/** Collects the frames the sidecar writes to stdout (besides the connection's own reader) and finds responses by id. */
function responseWatcher(stdout: NodeJS.ReadableStream) {
  let buffer = Buffer.alloc(0);
  const waiting = new Map<string, (message: any) => void>();
  stdout.on('data', (chunk: Buffer) => {
    buffer = Buffer.concat([buffer, chunk]);
    for (;;) {
      const end = buffer.indexOf('\r\n\r\n');
      if (end < 0) return;
      const length = Number(/Content-Length: (\d+)/i.exec(buffer.subarray(0, end).toString())?.[1]);
      if (buffer.length < end + 4 + length) return;
      const message = JSON.parse(buffer.subarray(end + 4, end + 4 + length).toString());
      buffer = buffer.subarray(end + 4 + length);
      const resolve = waiting.get(String(message.id));
      if (resolve && !message.method) {
        waiting.delete(String(message.id));
        resolve(message);
      }
    }
  });
  return (id: string) => new Promise<any>((resolve) => waiting.set(id, resolve));
}
let rawIds = 0;

export function settingsFor(endpoints: string[], overrides: Partial<RookSettings['openai']> = {}): RookSettings {
  return {
    ...defaultSettings,
    engine: 'openai',
    openai: { ...defaultSettings.openai, endpoints, requestTimeoutMs: 2000, ...overrides },
  };
}

/** A sidecar configured for `server`'s endpoint and ready, with the log messages it sends collected in `logs`. */
export async function startSidecarFor(server: OpenAIServer): Promise<{ sidecar: Sidecar; logs: string[] }> {
  const sidecar = await startSidecar();
  const logs: string[] = [];
  sidecar.connection.onNotification('window/logMessage', (message: { message: string }) => void logs.push(message.message));
  assert.equal((await sidecar.configure(settingsFor([server.baseUrl]))).state, 'ready');
  return { sidecar, logs };
}

/**
 * `settingsFollow: false` starts it as a plain LSP client would, without Rook's settings handshake; `workspaceFolder`
 * and `indexStoragePath` give it a folder to index and where to keep the index, and `modelCachePath` where GGUF models
 * are converted to, as Rook's extension does.
 */
export async function startSidecar(options: { settingsFollow?: boolean; workspaceFolder?: string; indexStoragePath?: string; modelCachePath?: string } = {}): Promise<Sidecar> {
  const child = spawn(process.execPath, [cliPath, 'lsp', '--stdio'], { stdio: 'pipe' });
  let stderr = '';
  child.stderr.on('data', (chunk: Buffer) => (stderr += chunk.toString()));
  const connection = createProtocolConnection(new StreamMessageReader(child.stdout), new StreamMessageWriter(child.stdin));
  connection.onError(() => undefined);
  const responseTo = responseWatcher(child.stdout);
  connection.listen();
  const initializeResult = await connection.sendRequest(InitializeRequest.type, {
    processId: process.pid,
    rootUri: null,
    workspaceFolders: options.workspaceFolder ? [{ uri: pathToFileURL(options.workspaceFolder).href, name: path.basename(options.workspaceFolder) }] : null,
    capabilities: {},
    // As Rook's extension does: settings come by rook/configure, so no default engine loads meanwhile.
    initializationOptions: { settingsFollow: options.settingsFollow ?? true, indexStoragePath: options.indexStoragePath, modelCachePath: options.modelCachePath },
  });
  await connection.sendNotification(InitializedNotification.type, {});
  return {
    process: child,
    connection,
    initializeResult,
    stderr: () => stderr,
    configure: (settings) => connection.sendRequest(configureRequest, { settings }),
    open: (uri, text, languageId = 'typescript') =>
      connection.sendNotification(DidOpenTextDocumentNotification.type, { textDocument: { uri, languageId, version: 1, text } }),
    rawRequest: async (method, params) => {
      const id = `raw-${++rawIds}`;
      const body = JSON.stringify(params === undefined ? { jsonrpc: '2.0', id, method } : { jsonrpc: '2.0', id, method, params });
      const response = responseTo(id);
      child.stdin.write(`Content-Length: ${Buffer.byteLength(body)}\r\n\r\n${body}`);
      return response;
    },
    stop: async () => {
      connection.dispose();
      if (child.exitCode === null && child.signalCode === null) {
        const exited = new Promise((resolve) => child.once('exit', resolve));
        child.kill();
        await exited;
      }
    },
  };
}

/** Opens `text` as `uri` and asks for inline completions at `position`, as VS Code does when the user invokes them. */
export async function invokeInlineCompletion(sidecar: Sidecar, uri: string, text: string, position: { line: number; character: number }) {
  await sidecar.open(uri, text);
  return sidecar.connection.sendRequest(InlineCompletionRequest.type, { textDocument: { uri }, position, context: { triggerKind: InlineCompletionTriggerKind.Invoked } });
}
