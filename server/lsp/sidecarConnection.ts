/**
 * The sidecar's connection over a pair of byte streams: the strict frame reader, the screen that refuses malformed
 * params before vscode-languageserver sees them, the writer, and the server on top. `rook lsp --stdio` runs it on
 * stdin/stdout; the fuzz suite runs the same wiring on in-memory streams.
 */
import { createConnection, MessageType, ProposedFeatures, StreamMessageWriter, type Connection, type Message } from 'vscode-languageserver/node';
import { RookErrorCodes } from '../protocol/contract';
import { libraryParamsProblem } from './params';
import { startLspServer, type LspServer } from './server';
import { FramedMessageReader, FramingError, screenedReader } from './transport';

export interface SidecarConnection {
  connection: Connection;
  reader: FramedMessageReader;
  server: LspServer;
}

/**
 * Connects the sidecar to `input`/`output`. `onBrokenStream` hears of a frame that cannot be read (the stream can no
 * longer be trusted): it is subscribed before the connection, so it runs first.
 */
export function connectSidecar(input: NodeJS.ReadableStream, output: NodeJS.WritableStream, onBrokenStream: (error: FramingError) => void, embeddedModelDir?: string): SidecarConnection {
  const reader = new FramedMessageReader(input);
  reader.onError((error) => {
    if (error instanceof FramingError) onBrokenStream(error);
  });
  const writer = new StreamMessageWriter(output);
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
  return { connection, reader, server };
}
