/**
 * `rook serve`'s HTTP: raw request bytes (request line, headers, JSON body) sent over a real loopback socket to the
 * real server, running a tiny local model. Refusals are 4xx answers (Node's parser answers 400 to what is not HTTP)
 * and Rook's own engine errors; a crash is a 500 `internal_error` (an exception that is not Rook's) or an error
 * that escapes the server. Rate limiting is set out of reach so every input reaches the routes.
 */
import * as net from 'node:net';
import { engineFromFlags } from '../../../server/cli/engineFromFlags';
import { serveLog } from '../../../server/serve/log';
import { defaultServeLimits, startServe, type RunningServer } from '../../../server/serve/server';
import { tinyModelFolder } from '../../engine/fixtures';
import type { FuzzTarget } from '../target';
import { seedShape } from './seedShape';

const token = 'fuzz-token-3c9e';
let server: RunningServer | undefined;

function request(method: string, path: string, body?: object): Uint8Array {
  const payload = body === undefined ? '' : JSON.stringify(body);
  const headers = [`${method} ${path} HTTP/1.1`, 'Host: 127.0.0.1', `Authorization: Bearer ${token}`, 'User-Agent: OpenAI/JS 6.30.1', 'Accept: application/json'];
  if (body !== undefined) headers.push('Content-Type: application/json', `Content-Length: ${Buffer.byteLength(payload)}`);
  return Buffer.from(`${headers.join('\r\n')}\r\n\r\n${payload}`);
}

/** A message's header block (its lines up to the blank one) and how many characters follow it; undefined while incomplete. */
function headerBlock(message: string): { head: string; bodyLength: number } | undefined {
  const end = message.indexOf('\r\n\r\n');
  return end < 0 ? undefined : { head: message.slice(0, end + 2), bodyLength: message.length - end - 4 };
}

const contentLength = (head: string) => /\r\ncontent-length: *(\d+)\r\n/i.exec(head)?.[1];

/**
 * Whether `input` holds a whole request by its own headers (Content-Length, else none). A request that does not
 * (a length longer than the body, headers cut short) is half-closed after sending, as a client that sent all it
 * had; a whole one is left open, since the server may take a half-close for a client that went away.
 */
function wholeRequest(input: Uint8Array): boolean {
  const block = headerBlock(Buffer.from(input).toString('latin1'));
  return block !== undefined && !/\r\ntransfer-encoding:/i.test(block.head) && block.bodyLength >= Number(contentLength(block.head) ?? 0);
}

/** Whether `received` holds one whole response (by Content-Length, or a chunked body's last chunk). */
function wholeResponse(received: string): boolean {
  const block = headerBlock(received);
  if (!block) return false;
  const length = contentLength(block.head);
  if (length !== undefined) return block.bodyLength >= Number(length);
  return /\r\ntransfer-encoding: *chunked\r\n/i.test(block.head) && received.endsWith('\r\n0\r\n\r\n');
}

/** Sends `input` and returns the server's first response (or what it wrote before closing). */
function exchange(origin: string, input: Uint8Array): Promise<string> {
  const { port } = new URL(origin);
  return new Promise((resolve, reject) => {
    let received = '';
    const socket = net.connect({ host: '127.0.0.1', port: Number(port) }, () => {
      if (wholeRequest(input)) socket.write(input);
      else socket.end(input);
    });
    // A request this side took for whole but the server did not (a header it reads otherwise): end it after a while.
    const giveUp = setTimeout(() => socket.end(), 1000);
    socket.on('data', (chunk: Buffer) => {
      received += chunk.toString('latin1');
      if (wholeResponse(received)) socket.destroy();
    });
    socket.on('error', (error: NodeJS.ErrnoException) => (error.code === 'ECONNRESET' || error.code === 'EPIPE' ? undefined : reject(error)));
    socket.on('close', () => {
      clearTimeout(giveUp);
      resolve(received);
    });
  });
}

export const target: FuzzTarget = {
  async seeds() {
    // A context of 64 positions: the engine's KV rows start with room for 64, so no request grows them. That growth is
    // sized by the model's context, not by the request, and the allocation meter cannot tell the two apart.
    const { dir } = tinyModelFolder({ ...seedShape, contextLength: 64 }, 7);
    const engine = await engineFromFlags({ 'model-dir': dir });
    server = await startServe(engine, {
      host: '127.0.0.1',
      port: 0,
      token,
      behindTlsProxy: false,
      limits: { ...defaultServeLimits, rateLimitPerMinute: 1e9 },
      modelName: 'rook',
      log: serveLog(() => undefined, false),
    });
    return [
      request('POST', '/v1/completions', { model: 'rook', prompt: 'def add(a, b):\n    return', max_tokens: 6, temperature: 0, stop: ['\n\n'], logprobs: 1 }),
      request('POST', '/v1/chat/completions', { model: 'rook', messages: [{ role: 'system', content: 'Be brief.' }, { role: 'user', content: 'Say hi.' }], max_tokens: 6, stream: true, stream_options: { include_usage: true }, user: 'u1' }),
      request('POST', '/v1/chat/completions', { messages: [{ role: 'user', content: 'Hi' }], max_tokens: 4, temperature: 0.7, top_p: 0.9, seed: 3 }),
      request('GET', '/v1/models'),
      request('GET', '/health'),
    ];
  },
  async run(input) {
    const response = await exchange(server!.origin, input);
    if (/"code":"internal_error"/.test(response)) throw new Error(`internal_error: ${response.slice(0, 300)}`);
    const status = Number(/^HTTP\/1\.1 (\d{3})/.exec(response)?.[1] ?? 0);
    return status >= 200 && status < 300 ? 'accepted' : 'refused';
  },
  ownError: () => false,
  expansion: 1,
};
