/**
 * A local HTTP server that speaks the documented OpenAI-compatible protocol (as vLLM, SGLang,
 * llama.cpp server and Ollama do): `GET /v1/models`, `POST /v1/completions` and
 * `POST /v1/chat/completions`, streamed as server-sent events ending in `data: [DONE]`, errors as
 * `{ "error": { "message", "type" } }`. With `ollama` set it also answers Ollama's native API as Ollama documents it
 * (`GET /api/version`, `GET /api/tags`, `POST /api/show`; `/v1/models` then lists those models, owned by
 * "library"). Tests script its answers and its faults; it stands in only for a remote service that cannot run here.
 */
import * as http from 'node:http';
import type { AddressInfo } from 'node:net';

export type ServerPath = '/v1/completions' | '/v1/chat/completions';

export interface RecordedRequest {
  path: string;
  body: any;
  headers: http.IncomingHttpHeaders;
}

/** How a request goes wrong, for failure tests. */
export type Fault =
  | { kind: 'http-error'; status: number; message: string }
  /** Sends `afterChunks` chunks, then goes silent with the connection open. */
  | { kind: 'stall'; afterChunks: number }
  /** Sends `afterChunks` chunks, then destroys the socket. */
  | { kind: 'drop'; afterChunks: number }
  /** Replies 200 with a body that is not SSE/JSON. */
  | { kind: 'garbage' };

export interface OpenAIServerOptions {
  /** The text streamed back for a request. */
  reply: (request: { path: ServerPath; body: any }) => string;
  /** Optional fault per request; `undefined` answers normally. */
  fault?: (request: { path: ServerPath; body: any }) => Fault | undefined;
  /** Pause after each streamed chunk, for every path or per path. */
  chunkDelayMs?: number | ((path: ServerPath) => number);
  /** Pause before the answer (its first streamed chunk, or the whole JSON): a slow time to first token, per request if a function. */
  firstChunkDelayMs?: number | ((request: { path: ServerPath; body: any }) => number);
  /** Characters per streamed chunk. */
  chunkSize?: number;
  model?: string;
  /** Advertised context length in `/v1/models` (vLLM's `max_model_len`). */
  contextLength?: number;
  /** When set, requests must carry `Authorization: Bearer <apiKey>`. */
  apiKey?: string;
  /**
   * The log-probability of a streamed piece of a `/v1/completions` answer, sent (one entry per chunk, in the
   * legacy completions `logprobs` object: `tokens`, `token_logprobs`, `top_logprobs`, `text_offset`) when the request
   * asks for `logprobs`, as OpenAI's legacy API, vLLM and llama.cpp's server do.
   */
  logprobOf?: (piece: string) => number;
  /** Answer Ollama's native API too, with these models (their prompt templates decide FIM, as in Ollama). */
  ollama?: { version: string; models: { name: string; template: string }[] };
  /** The port to listen on (127.0.0.1); a free one by default. */
  port?: number;
}

export interface OpenAIServer {
  /** Base URL including `/v1`, e.g. `http://127.0.0.1:41234/v1`. */
  baseUrl: string;
  port: number;
  requests: RecordedRequest[];
  close(): Promise<void>;
}

const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

function sendJson(res: http.ServerResponse, status: number, body: unknown): void {
  res.writeHead(status, { 'content-type': 'application/json' });
  res.end(JSON.stringify(body));
}

function readBody(req: http.IncomingMessage): Promise<string> {
  return new Promise((resolve, reject) => {
    const chunks: Buffer[] = [];
    req.on('data', (chunk: Buffer) => chunks.push(chunk));
    req.on('end', () => resolve(Buffer.concat(chunks).toString('utf8')));
    req.on('error', reject);
  });
}

function splitText(text: string, size: number): string[] {
  const pieces: string[] = [];
  for (let i = 0; i < text.length; i += size) pieces.push(text.slice(i, i + size));
  return pieces;
}

function chunkPayload(path: ServerPath, model: string, piece: string, finish: string | null, logprobs: unknown = null): unknown {
  const base = { id: 'cmpl-test', created: 0, model };
  return path === '/v1/completions'
    ? { ...base, object: 'text_completion', choices: [{ index: 0, text: piece, logprobs, finish_reason: finish }] }
    : {
        ...base,
        object: 'chat.completion.chunk',
        choices: [{ index: 0, delta: finish ? {} : { content: piece }, finish_reason: finish }],
      };
}

function fullPayload(path: ServerPath, model: string, text: string): unknown {
  const base = { id: 'cmpl-test', created: 0, model };
  return path === '/v1/completions'
    ? { ...base, object: 'text_completion', choices: [{ index: 0, text, finish_reason: 'stop' }] }
    : {
        ...base,
        object: 'chat.completion',
        choices: [{ index: 0, message: { role: 'assistant', content: text }, finish_reason: 'stop' }],
      };
}

/** Ollama's `/api/version`, `/api/tags` and `/api/show` in the shapes of Ollama's API documentation. */
async function answerOllama(ollama: NonNullable<OpenAIServerOptions['ollama']>, req: http.IncomingMessage, res: http.ServerResponse, path: string): Promise<void> {
  const details = { parent_model: '', format: 'gguf', family: 'qwen2', families: ['qwen2'], parameter_size: '1.5B', quantization_level: 'Q4_K_M' };
  if (req.method === 'GET' && path === '/api/version') return sendJson(res, 200, { version: ollama.version });
  if (req.method === 'GET' && path === '/api/tags') {
    return sendJson(res, 200, {
      models: ollama.models.map(({ name }) => ({ name, model: name, modified_at: '2026-11-30T10:00:00.000Z', size: 986061892, digest: 'a'.repeat(64), details })),
    });
  }
  if (req.method === 'POST' && path === '/api/show') {
    const body = JSON.parse((await readBody(req)) || '{}') as { model?: string; name?: string };
    const found = ollama.models.find(({ name }) => name === (body.model ?? body.name));
    if (!found) return sendJson(res, 404, { error: `model '${body.model ?? body.name}' not found` });
    const modelfile = `FROM ${found.name}\nTEMPLATE ${JSON.stringify(found.template)}`;
    return sendJson(res, 200, { modelfile, parameters: 'stop "<|endoftext|>"', template: found.template, details, model_info: { 'general.architecture': 'qwen2' } });
  }
  sendJson(res, 404, { error: '404 page not found' });
}

export async function startOpenAIServer(options: OpenAIServerOptions): Promise<OpenAIServer> {
  const model = options.model ?? 'test-model';
  const chunkDelay = options.chunkDelayMs ?? 5;
  const chunkSize = options.chunkSize ?? 4;
  const requests: RecordedRequest[] = [];
  const sockets = new Set<import('node:net').Socket>();

  const server = http.createServer(async (req, res) => {
    const url = new URL(req.url ?? '/', 'http://localhost');
    if (options.apiKey && req.headers.authorization !== `Bearer ${options.apiKey}`) {
      sendJson(res, 401, { error: { message: 'Incorrect API key provided', type: 'invalid_request_error' } });
      return;
    }
    if (options.ollama && url.pathname.startsWith('/api/')) {
      requests.push({ path: url.pathname, body: undefined, headers: req.headers });
      await answerOllama(options.ollama, req, res, url.pathname);
      return;
    }
    if (req.method === 'GET' && url.pathname === '/v1/models') {
      requests.push({ path: url.pathname, body: undefined, headers: req.headers });
      sendJson(res, 200, {
        object: 'list',
        data: options.ollama
          ? options.ollama.models.map(({ name }) => ({ id: name, object: 'model', created: 1733400000, owned_by: 'library' }))
          : [{ id: model, object: 'model', owned_by: 'test', max_model_len: options.contextLength ?? 4096 }],
      });
      return;
    }
    if (req.method !== 'POST' || (url.pathname !== '/v1/completions' && url.pathname !== '/v1/chat/completions')) {
      sendJson(res, 404, { error: { message: `Not found: ${url.pathname}`, type: 'not_found' } });
      return;
    }
    const path = url.pathname as ServerPath;
    let body: any;
    try {
      body = JSON.parse(await readBody(req));
    } catch {
      sendJson(res, 400, { error: { message: 'Invalid JSON body', type: 'invalid_request_error' } });
      return;
    }
    requests.push({ path, body, headers: req.headers });
    const fault = options.fault?.({ path, body });
    if (fault?.kind === 'http-error') {
      sendJson(res, fault.status, { error: { message: fault.message, type: 'server_error' } });
      return;
    }
    if (fault?.kind === 'garbage') {
      res.writeHead(200, { 'content-type': 'text/event-stream' });
      res.end('this is not an event stream\n\n');
      return;
    }
    const text = options.reply({ path, body });
    const firstChunkDelay = typeof options.firstChunkDelayMs === 'function' ? options.firstChunkDelayMs({ path, body }) : options.firstChunkDelayMs;
    if (!body.stream) {
      if (firstChunkDelay) await sleep(firstChunkDelay);
      sendJson(res, 200, fullPayload(path, model, text));
      return;
    }
    res.writeHead(200, { 'content-type': 'text/event-stream', 'cache-control': 'no-cache', connection: 'keep-alive' });
    const pieces = splitText(text, chunkSize);
    let closed = false;
    res.on('close', () => (closed = true));
    // Streaming servers send their headers at once, then the first token when it is ready.
    if (firstChunkDelay) await sleep(firstChunkDelay);
    for (let i = 0; i < pieces.length && !closed; i++) {
      if (fault && (fault.kind === 'stall' || fault.kind === 'drop') && i === fault.afterChunks) {
        if (fault.kind === 'drop') req.socket.destroy();
        return;
      }
      const logprobs =
        typeof body.logprobs === 'number' && options.logprobOf
          ? { tokens: [pieces[i]], token_logprobs: [options.logprobOf(pieces[i])], top_logprobs: null, text_offset: [i * chunkSize] }
          : null;
      res.write(`data: ${JSON.stringify(chunkPayload(path, model, pieces[i], null, logprobs))}\n\n`);
      await sleep(typeof chunkDelay === 'number' ? chunkDelay : chunkDelay(path));
    }
    if (closed) return;
    res.write(`data: ${JSON.stringify(chunkPayload(path, model, '', 'stop'))}\n\n`);
    res.end('data: [DONE]\n\n');
  });
  server.on('connection', (socket) => {
    sockets.add(socket);
    socket.on('close', () => sockets.delete(socket));
  });
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(options.port ?? 0, '127.0.0.1', resolve);
  });
  const port = (server.address() as AddressInfo).port;
  return {
    baseUrl: `http://127.0.0.1:${port}/v1`,
    port,
    requests,
    close: () =>
      new Promise<void>((resolve) => {
        for (const socket of sockets) socket.destroy();
        server.close(() => resolve());
      }),
  };
}
