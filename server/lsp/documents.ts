/**
 * The open documents, kept in sync from `textDocument/did*` notifications whose params are checked first. A didOpen
 * whose text is not a string used to become a document that failed every later completion ("n.slice is not a
 * function"); now a malformed notification is logged and changes nothing, except a malformed didChange of an open
 * document, which closes the sidecar's copy (it could no longer follow the client's), so completions there answer
 * nothing until the client opens it again.
 */
import { ResponseError, type Connection, type RemoteConsole, type TextDocuments } from 'vscode-languageserver';
import type { TextDocument } from 'vscode-languageserver-textdocument';
import { RookErrorCodes } from '../protocol/contract';
import { textDocumentProblem } from './params';

type Handler<P> = (params: P, ...rest: any[]) => unknown;
/** What `TextDocuments.listen` subscribes to. */
type TextDocumentConnection = Parameters<TextDocuments<TextDocument>['listen']>[0];

export function listenToDocuments(documents: TextDocuments<TextDocument>, connection: Connection, console: RemoteConsole): void {
  let closeHandler: Handler<{ textDocument: { uri: string } }> | undefined;
  /** `handler` for params that pass `textDocumentProblem`; for others, a log line and `onProblem`. */
  const checked = <H extends Handler<any>>(method: string, handler: H, onProblem: (params: unknown, problem: string) => unknown = () => undefined): H =>
    ((params: unknown, ...rest: unknown[]) => {
      const problem = textDocumentProblem(method, params);
      if (!problem) return handler(params, ...rest);
      console.warn(`Ignored ${method}: ${problem}.`);
      return onProblem(params, problem);
    }) as H;
  const dropDocument = (params: unknown) => {
    const uri = (params as { textDocument?: { uri?: unknown } } | null)?.textDocument?.uri;
    if (typeof uri === 'string' && documents.get(uri)) {
      console.warn(`Closed ${uri}: its content can no longer follow the client's; completions there resume once it is opened again.`);
      closeHandler?.({ textDocument: { uri } });
    }
  };
  const validating: TextDocumentConnection & { __textDocumentSync?: unknown } = {
    onDidOpenTextDocument: (handler) => connection.onDidOpenTextDocument(checked('textDocument/didOpen', handler)),
    onDidChangeTextDocument: (handler) => connection.onDidChangeTextDocument(checked('textDocument/didChange', handler, dropDocument)),
    onDidCloseTextDocument: (handler) => {
      closeHandler = handler;
      return connection.onDidCloseTextDocument(checked('textDocument/didClose', handler));
    },
    onWillSaveTextDocument: (handler) => connection.onWillSaveTextDocument(checked('textDocument/willSave', handler)),
    onWillSaveTextDocumentWaitUntil: (handler) =>
      connection.onWillSaveTextDocumentWaitUntil(
        checked('textDocument/willSaveWaitUntil', handler, (_params, problem) => {
          throw new ResponseError(RookErrorCodes.InvalidParams, `textDocument/willSaveWaitUntil: ${problem}.`);
        }),
      ),
    onDidSaveTextDocument: (handler) => connection.onDidSaveTextDocument(checked('textDocument/didSave', handler)),
    // TextDocuments records its sync kind on the connection it listens to.
    set __textDocumentSync(kind: unknown) {
      (connection as unknown as { __textDocumentSync?: unknown }).__textDocumentSync = kind;
    },
  };
  documents.listen(validating);
}
