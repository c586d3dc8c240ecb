/**
 * `rook serve`'s HTTP(S) server: one engine behind the OpenAI-compatible API. Each request passes,
 * in order: the bearer token (401), the per-client rate limit (429), the body size limit (413), then
 * its route, which validates parameters and queues the generation fairly. `GET /health` needs no
 * token and says only that the server is up and how full its queue is, for load balancers and
 * Rook's own client. A client too slow to send its request (headers or body) is answered 408 and
 * disconnected; its response, once the request is in, may stream as long as it needs. The access log
 * holds bounded, escaped metadata only.
 */
import * as http from 'node:http';
import * as https from 'node:https';
import type { AddressInfo, Socket } from 'node:net';
import { performance } from 'node:perf_hooks';
import type { Engine } from '../engines/engine';
import { ApiError } from './apiError';
import { bearerCheck } from './auth';
import { excerpt, logField } from './excerpt';
import { exposureProblem } from './exposure';
import { FairQueue } from './fairQueue';
import { readJsonBody, sendError, sendJson } from './httpIo';
import type { ServeLog } from './log';
import { asApiError, OpenAIRoutes, type GenerationOutcome } from './openaiRoutes';
import { RateLimiter } from './rateLimit';

export interface ServeLimits {
  maxBodyBytes: number;
  maxPromptChars: number;
  /** Requests per minute per client address. */
  rateLimitPerMinute: number;
  /** Requests running or waiting, all clients together. */
  queueCapacity: number;
  /** Requests running or waiting, per client. */
  queuePerClient: number;
  /** How long a client may take to send a request's headers. */
  headersTimeoutMs: number;
  /**
   * How long a client may take to send a whole request, headers and body. It ends when the request
   * has arrived: a response, however long it streams, is not limited by it.
   */
  requestTimeoutMs: number;
  /** How long an idle keep-alive connection stays open for the client's next request. */
  keepAliveTimeoutMs: number;
}

export const defaultServeLimits: ServeLimits = {
  maxBodyBytes: 1 << 20,
  maxPromptChars: 256 * 1024,
  rateLimitPerMinute: 600,
  queueCapacity: 128,
  queuePerClient: 16,
  // Node's defaults (a request may take 300 s to arrive) let a slow client hold a connection that long.
  headersTimeoutMs: 10_000,
  requestTimeoutMs: 30_000,
  keepAliveTimeoutMs: 5_000,
};

export interface ServeOptions {
  host: string;
  /** 0 picks a free port. */
  port: number;
  token?: string;
  /** Certificate and key (PEM); with them the server speaks HTTPS. */
  tls?: { cert: Buffer; key: Buffer };
  /** A TLS-terminating proxy is in front: it may bind publicly without `tls`, and X-Forwarded-For names the client. */
  behindTlsProxy: boolean;
  limits: ServeLimits;
  /** The model id to advertise; the engine's own by default. */
  modelName?: string;
  log: ServeLog;
}

export interface RunningServer {
  /** Origin, e.g. `http://127.0.0.1:8000`; the API is under `/v1`. */
  origin: string;
  close(): Promise<void>;
}

/** The client's address: behind a proxy every connection is the proxy's, so the hop it appended is used. */
function peerAddress(req: http.IncomingMessage, behindTlsProxy: boolean): string {
  if (behindTlsProxy) {
    const forwarded = String(req.headers['x-forwarded-for'] ?? '').split(',').pop()?.trim();
    if (forwarded) return forwarded;
  }
  return req.socket.remoteAddress ?? 'unknown';
}

export async function startServe(engine: Engine, options: ServeOptions): Promise<RunningServer> {
  const problem = exposureProblem({ host: options.host, token: options.token, tls: options.tls !== undefined, behindTlsProxy: options.behindTlsProxy });
  if (problem) throw new Error(problem);
  const capabilities = await engine.capabilities();
  const { limits, log } = options;
  const authorized = bearerCheck(options.token);
  const rateLimiter = new RateLimiter(limits.rateLimitPerMinute);
  // As many generations run as the engine decodes at once (its batch); the rest wait their turn, client by client.
  const queue = new FairQueue({ capacity: limits.queueCapacity, perClient: limits.queuePerClient, slots: engine.concurrency ?? 1 });
  const routes = new OpenAIRoutes({
    engine,
    capabilities,
    modelName: options.modelName ?? capabilities.model,
    queue,
    limits: { maxPromptChars: limits.maxPromptChars, contextLength: capabilities.contextLength },
    log,
  });

  const route = async (req: http.IncomingMessage, res: http.ServerResponse, path: string, peer: string, read: (body: unknown) => unknown): Promise<GenerationOutcome | undefined> => {
    if (req.method === 'GET' && path === '/health') return void sendJson(res, 200, { status: 'ok', queue: queue.stats });
    if (!authorized(req.headers.authorization)) {
      throw new ApiError(401, 'Missing or incorrect API key: send "Authorization: Bearer <token>".', 'invalid_request_error', 'invalid_api_key');
    }
    const waitSeconds = rateLimiter.take(peer);
    if (waitSeconds > 0) {
      throw new ApiError(429, `Rate limit of ${limits.rateLimitPerMinute} requests per minute reached; retry in ${waitSeconds} s.`, 'rate_limit_error', 'rate_limit_exceeded', null, waitSeconds);
    }
    if (req.method === 'GET' && path === '/v1/models') return void routes.models(res);
    if (req.method === 'POST' && path === '/v1/completions') return routes.completions(read(await readJsonBody(req, limits.maxBodyBytes)), peer, res);
    if (req.method === 'POST' && path === '/v1/chat/completions') return routes.chat(read(await readJsonBody(req, limits.maxBodyBytes)), peer, res);
    throw new ApiError(404, `No route for ${req.method} ${excerpt(path, 64)}.`, 'invalid_request_error', 'not_found');
  };

  const handle = async (req: http.IncomingMessage, res: http.ServerResponse) => {
    const started = performance.now();
    const path = new URL(req.url ?? '/', 'http://rook').pathname;
    const peer = peerAddress(req, options.behindTlsProxy);
    let outcome: GenerationOutcome | undefined;
    let failure: string | undefined;
    let param: string | null = null;
    let body: unknown;
    let disconnected = false;
    try {
      outcome = await route(req, res, path, peer, (read) => (body = read));
      failure = outcome?.failure;
    } catch (error) {
      const apiError = asApiError(error);
      // Also when Node cut off a client too slow to send its request (408, headers or request timeout).
      disconnected = res.destroyed;
      failure = disconnected ? 'client disconnected' : apiError.message;
      param = apiError.param;
      if (body !== undefined && apiError.status < 500) log.debug(() => `refused body=${JSON.stringify(body)}`);
      if (!res.headersSent && !res.destroyed) sendError(res, apiError);
      else res.end();
    }
    // Load balancers poll /health; a line per poll would bury the requests.
    if (path === '/health' && res.statusCode === 200) return;
    // Metadata only, each field bounded and escaped: the path and the forwarded address are the
    // client's to choose, and error messages quote request values (as excerpts).
    const parts = [
      `${req.method} ${logField(path)}`,
      String(disconnected || (res.destroyed && !res.writableFinished) ? 'disconnected' : res.statusCode),
      `${(performance.now() - started).toFixed(1)}ms`,
      `client=${logField(peer, 64)}`,
    ];
    if (outcome) parts.push(`pieces=${outcome.pieces}`, `finish=${outcome.finishReason ?? 'error'}`);
    if (failure) parts.push(`error=${excerpt(failure, 300)}`);
    if (param) parts.push(`param=${logField(param, 64)}`);
    log.info(parts.join(' '));
  };

  const timeouts: http.ServerOptions = {
    headersTimeout: limits.headersTimeoutMs,
    requestTimeout: limits.requestTimeoutMs,
    keepAliveTimeout: limits.keepAliveTimeoutMs,
    // Node enforces the two timeouts above only when it checks, every 30 s by default, which could
    // double them; checking every second costs a walk over the connections still sending a request.
    connectionsCheckingInterval: Math.max(100, Math.min(1000, Math.floor(Math.min(limits.headersTimeoutMs, limits.requestTimeoutMs) / 4))),
  };
  const server = options.tls ? https.createServer({ ...timeouts, cert: options.tls.cert, key: options.tls.key }, handle) : http.createServer(timeouts, handle);
  server.keepAliveTimeout = limits.keepAliveTimeoutMs;
  const sockets = new Set<Socket>();
  server.on('connection', (socket: Socket) => {
    sockets.add(socket);
    socket.on('close', () => sockets.delete(socket));
  });
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(options.port, options.host, resolve);
  });
  const { port } = server.address() as AddressInfo;
  const host = options.host.includes(':') && !options.host.startsWith('[') ? `[${options.host}]` : options.host;
  return {
    origin: `${options.tls ? 'https' : 'http'}://${host}:${port}`,
    close: () =>
      new Promise<void>((resolve) => {
        server.close(() => resolve());
        // Open streams end now; their generations see the disconnect and stop.
        for (const socket of sockets) socket.destroy();
      }),
  };
}
