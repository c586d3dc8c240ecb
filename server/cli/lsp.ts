import { connectSidecar } from '../lsp/sidecarConnection';
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
  // A broken stream ends the process, so its client (the extension's supervisor) sees a crash and starts a fresh
  // sidecar instead of waiting on one that can no longer read.
  const { reader, server } = connectSidecar(
    process.stdin,
    process.stdout,
    (error) => {
      process.stderr.write(`rook lsp: ${error.message}. The message stream cannot be resynchronized, so the sidecar exits (its client restarts it).\n`);
      process.exit(1);
    },
    embeddedModelDir,
  );
  // No client left to serve: as LSP's exit notification, 0 after a shutdown request and 1 otherwise.
  reader.onClose(() => process.exit(server.shutdownReceived ? 0 : 1));
  return -1;
}
