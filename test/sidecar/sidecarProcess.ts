/**
 * Spawns the real sidecar (`node dist/rook.js lsp --stdio`) and speaks LSP to it over its stdio,
 * as any editor would.
 */
import { spawn, type ChildProcessWithoutNullStreams } from 'node:child_process';
import * as path from 'node:path';
import {
  createProtocolConnection,
  StreamMessageReader,
  StreamMessageWriter,
  type ProtocolConnection,
  InitializeRequest,
  InitializedNotification,
  DidOpenTextDocumentNotification,
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
  stop(): Promise<void>;
}

export function settingsFor(endpoints: string[], overrides: Partial<RookSettings['openai']> = {}): RookSettings {
  return {
    ...defaultSettings,
    engine: 'openai',
    openai: { ...defaultSettings.openai, endpoints, requestTimeoutMs: 2000, ...overrides },
  };
}

/** `settingsFollow: false` starts it as a plain LSP client would, without Rook's settings handshake. */
export async function startSidecar(options: { settingsFollow?: boolean } = {}): Promise<Sidecar> {
  const child = spawn(process.execPath, [cliPath, 'lsp', '--stdio'], { stdio: 'pipe' });
  let stderr = '';
  child.stderr.on('data', (chunk: Buffer) => (stderr += chunk.toString()));
  const connection = createProtocolConnection(new StreamMessageReader(child.stdout), new StreamMessageWriter(child.stdin));
  connection.onError(() => undefined);
  connection.listen();
  const initializeResult = await connection.sendRequest(InitializeRequest.type, {
    processId: process.pid,
    rootUri: null,
    capabilities: {},
    // As Rook's extension does: settings come by rook/configure, so no default engine loads meanwhile.
    initializationOptions: { settingsFollow: options.settingsFollow ?? true },
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
