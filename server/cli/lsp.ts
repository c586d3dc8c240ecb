import { createConnection, ProposedFeatures, StreamMessageReader, StreamMessageWriter } from 'vscode-languageserver/node';
import { startLspServer } from '../lsp/server';
import { embeddedModelDir } from './embeddedModel';

/** `rook lsp --stdio`: LSP over stdin/stdout. stdout is the protocol channel, so nothing else may print there. */
export function runLsp(args: string[]): void {
  if (!args.includes('--stdio')) throw new Error('rook lsp supports only --stdio.');
  const connection = createConnection(
    ProposedFeatures.all,
    new StreamMessageReader(process.stdin),
    new StreamMessageWriter(process.stdout),
  );
  startLspServer(connection, embeddedModelDir);
}
