/** What every request that runs the engine shares: LSP cancellation in, engine failures out as JSON-RPC errors. */
import { ResponseError, type CancellationToken } from 'vscode-languageserver';
import { RookErrorCodes } from '../protocol/contract';
import { EngineError } from '../engines/engine';

/** An AbortSignal that follows an LSP cancellation token. */
export function abortOn(token: CancellationToken): AbortController {
  const controller = new AbortController();
  if (token.isCancellationRequested) controller.abort();
  token.onCancellationRequested(() => controller.abort());
  return controller;
}

/** Maps engine failures to JSON-RPC errors the client can show as they are. */
export function toResponseError(error: unknown): ResponseError<void> {
  if (error instanceof ResponseError) return error;
  if (error instanceof EngineError) return new ResponseError(RookErrorCodes.EngineFailed, error.message);
  return new ResponseError(RookErrorCodes.EngineFailed, `Rook sidecar error: ${(error as Error).message ?? String(error)}`);
}
