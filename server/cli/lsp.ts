import { createConnection, MessageType, ProposedFeatures, StreamMessageWriter, type Message } from 'vscode-languageserver/node';
import { RookErrorCodes } from '../protocol/contract';
import { libraryParamsProblem } from '../lsp/params';
import { startLspServer } from '../lsp/server';
import { FramedMessageReader, FramingError, screenedReader } from '../lsp/transport';
import { embeddedModelDir } from './embeddedModel';

export const lspUsage = `Usage: rook lsp --stdio

Runs the LSP sidecar over stdin/stdout, as the Rook extension (or any LSP client) starts it. stdout carries the
protocol; logs go to the client (window/logMessage). The sidecar exits when stdin closes (code 0 after a shutdown
request, else 1) and, with code 1 and the reason on stderr, on a frame it cannot read (a bad Content-Length
header): its client restarts it.`;

/** `rook lsp --stdio`: LSP over stdin/stdout. stdout is the protocol channel, so nothing else may print there. */
export function runLsp(args: string[]): number {
  if (args.includes('--help') || args.includes('-h')) {
    console.log(lspUsage);
    return 0;
  }
  // Other arguments pass: language clients add their own (vscode-languageclient appends --clientProcessId=N).
  if (!args.includes('--stdio')) {
    console.error(`rook lsp: only --stdio is supported.\n${lspUsage}`);
    return 2;
  }
  const reader = new FramedMessageReader(process.stdin);
  // Before the connection subscribes: a broken stream ends the process, so its client (the extension's
  // supervisor) sees a crash and starts a fresh sidecar instead of waiting on one that can no longer read.
  reader.onError((error) => {
    if (!(error instanceof FramingError)) return;
    process.stderr.write(`rook lsp: ${error.message}. The message stream cannot be resynchronized, so the sidecar exits (its client restarts it).\n`);
    process.exit(1);
  });
  const writer = new StreamMessageWriter(process.stdout);
  // The messages vscode-languageserver answers itself (initialize, $/setTrace) reach no handler of ours first.
  const screened = screenedReader(
    reader,
    (message) => {
      const { method, params } = message as { method?: unknown; params?: unknown };
      return typeof method === 'string' ? libraryParamsProblem(method, params) : undefined;
    },
    (message, problem) => {
      const { id, method } = message as Message & { id?: number | string | null; method: string };
      void writer.write(
        id !== undefined
          ? ({ jsonrpc: '2.0', id, error: { code: RookErrorCodes.InvalidParams, message: `${method}: ${problem}.` } } as Message)
          : ({ jsonrpc: '2.0', method: 'window/logMessage', params: { type: MessageType.Warning, message: `Ignored ${method}: ${problem}.` } } as Message),
      );
    },
  );
  const connection = createConnection(ProposedFeatures.all, screened, writer);
  const server = startLspServer(connection, embeddedModelDir);
  // No client left to serve: as LSP's exit notification, 0 after a shutdown request and 1 otherwise.
  reader.onClose(() => process.exit(server.shutdownReceived ? 0 : 1));
  return -1;
}
