/**
 * LSP frames: a session's bytes fed to the sidecar's own wiring (strict frame reader, params screen,
 * vscode-languageserver, Rook's features) on in-memory streams, with no model configured, so what is fuzzed is
 * framing, JSON-RPC, params and documents rather than generation. Refusals are a `FramingError` (on which
 * `rook lsp` exits and is restarted), invalid-params answers and ignored notifications. A crash is a handler that
 * threw: vscode-jsonrpc turns that into an InternalError answer or a "handler ... failed" log message.
 */
import { PassThrough } from 'node:stream';
import { ErrorCodes, StreamMessageReader, type Message } from 'vscode-languageserver/node';
import { connectSidecar } from '../../../server/lsp/sidecarConnection';
import { FramingError } from '../../../server/lsp/transport';
import { defaultSettings } from '../../../server/protocol/contract';
import type { FuzzTarget } from '../target';

const uri = 'file:///work/src/add.ts';
const text = 'export function add(a: number, b: number): number {\n  return \n}\n\nexport const answer = add(40, 2);\n';

/** One session as the extension opens it (processId null: the library would otherwise watch that process). */
const session: object[] = [
  { id: 1, method: 'initialize', params: { processId: null, rootUri: 'file:///work', capabilities: {}, initializationOptions: { settings: defaultSettings } } },
  { method: 'initialized', params: {} },
  { id: 2, method: 'rook/configure', params: { settings: defaultSettings } },
  { method: 'textDocument/didOpen', params: { textDocument: { uri, languageId: 'typescript', version: 1, text } } },
  { method: 'textDocument/didChange', params: { textDocument: { uri, version: 2 }, contentChanges: [{ range: { start: { line: 1, character: 9 }, end: { line: 1, character: 9 } }, text: 'a' }] } },
  { method: 'rook/completionContext', params: { uri, version: 2, snippets: [{ kind: 'definition', uri: 'file:///work/src/math.ts', firstLine: 3, name: 'sum', text: 'export function sum(xs: number[]): number;' }] } },
  { id: 3, method: 'textDocument/inlineCompletion', params: { textDocument: { uri }, position: { line: 1, character: 10 }, context: { triggerKind: 2 } } },
  { id: 4, method: 'rook/chat', params: { messages: [{ role: 'system', content: 'Be brief.' }, { role: 'user', content: 'What does add do?' }], maxTokens: 16, temperature: 0.2, partialResultToken: 'chat-1' } },
  { id: 5, method: 'rook/edit', params: { uri, languageId: 'typescript', original: 'return a', instruction: 'add b', task: 'rewrite', partialResultToken: 'edit-1' } },
  { method: '$/cancelRequest', params: { id: 4 } },
  { id: 6, method: 'rook/status' },
  { method: 'textDocument/didClose', params: { textDocument: { uri } } },
  { id: 7, method: 'shutdown' },
];

function frames(messages: object[]): Uint8Array {
  return Buffer.concat(
    messages.map((message) => {
      const body = Buffer.from(JSON.stringify({ jsonrpc: '2.0', ...message }));
      return Buffer.concat([Buffer.from(`Content-Length: ${body.length}\r\n\r\n`), body]);
    }),
  );
}

/** What shows that one of the sidecar's handlers threw instead of answering. */
function crashIn(message: Message): string | undefined {
  const { error, method, params } = message as { error?: { code: number; message: string }; method?: string; params?: { type?: number; message?: string } };
  if (error?.code === ErrorCodes.InternalError) return error.message;
  if (method === 'window/logMessage' && params?.type === 1 && /handler '.*' failed|Processing message queue failed/.test(params.message ?? '')) return params.message;
  return undefined;
}

/** An invalid-params answer, or the warning that a notification with bad params was ignored. */
function isRefusal(message: Message): boolean {
  const { error, method, params } = message as { error?: { code: number }; method?: string; params?: { type?: number; message?: string } };
  return error?.code === ErrorCodes.InvalidParams || (method === 'window/logMessage' && params?.type === 2 && (params.message ?? '').startsWith('Ignored '));
}

const pause = () => new Promise((resolve) => setTimeout(resolve, 2));

export const target: FuzzTarget = {
  // No seed sends `exit`: vscode-languageserver answers it by ending the process (here, the worker), as it should.
  seeds: () => [frames(session), frames([...session.slice(0, 4), ...session.slice(6, 7)]), frames(session.slice(0, 2))],
  async run(input) {
    const incoming = new PassThrough();
    const outgoing = new PassThrough();
    const answers: Message[] = [];
    new StreamMessageReader(outgoing).listen((message) => answers.push(message));
    let broken: FramingError | undefined;
    const { connection } = connectSidecar(incoming, outgoing, (error) => (broken = error));
    // The input is written but its stream left open: a closed stream ends `rook lsp` at once (it exits), while here
    // the handlers would go on and write to a closed connection.
    incoming.write(Buffer.from(input));
    // Let the handlers run to their answers: until nothing new is written for a while.
    for (let quiet = 0, seen = -1; quiet < 3; quiet = answers.length === seen ? quiet + 1 : 0, seen = answers.length) await pause();
    connection.dispose();
    incoming.destroy();
    const crash = answers.map(crashIn).find((found) => found !== undefined);
    if (crash) throw new Error(`a handler threw: ${crash}`);
    const refused = broken !== undefined || answers.some(isRefusal);
    return refused ? 'refused' : 'accepted';
  },
  ownError: (error) => error instanceof FramingError,
  expansion: 1,
};
