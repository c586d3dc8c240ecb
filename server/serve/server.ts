/**
 * `rook serve`'s HTTP(S) server: one engine behind the OpenAI-compatible API. Each request passes,
 * in order: the bearer token (401), the per-client rate limit (429), the body size limit (413), then
 * its route, which validates parameters and queues the generation fairly. `GET /health` needs no
 * token and says only that the server is up and how full its queue is, for load balancers and
 * Rook's own client.
 */
import * as http from 'node:http';
import * as https from 'node:https';
import type { AddressInfo, Socket } from 'node:net';
import { performance } from 'node:perf_hooks';
import type { Engine } from '../engines/engine';
import { ApiError } from './apiError';
import { bearerCheck } from './auth';
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
}

export const defaultServeLimits: ServeLimits = {
  maxBodyBytes: 1 << 20,
  maxPromptChars: 256 * 1024,
  rateLimitPerMinute: 600,
  queueCapacity: 128,
  queuePerClient: 16,
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
  const queue = new FairQueue({ capacity: limits.queueCapacity, perClient: limits.queuePerClient, slots: 1 });
  const routes = new OpenAIRoutes({
    engine,
    capabilities,
    modelName: options.modelName ?? capabilities.model,
    queue,
    limits: { maxPromptChars: limits.maxPromptChars, contextLength: capabilities.contextLength },
    log,
  });

  const route = async (req: http.IncomingMessage, res: http.ServerResponse, path: string, peer: string): Promise<GenerationOutcome | undefined> => {
    if (req.method === 'GET' && path === '/health') return void sendJson(res, 200, { status: 'ok', queue: queue.stats });
    if (!authorized(req.headers.authorization)) {
      throw new ApiError(401, 'Missing or incorrect API key: send "Authorization: Bearer <token>".', 'invalid_request_error', 'invalid_api_key');
    }
    const waitSeconds = rateLimiter.take(peer);
    if (waitSeconds > 0) {
      throw new ApiError(429, `Rate limit of ${limits.rateLimitPerMinute} requests per minute reached; retry in ${waitSeconds} s.`, 'rate_limit_error', 'rate_limit_exceeded', null, waitSeconds);
    }
    if (req.method === 'GET' && path === '/v1/models') return void routes.models(res);
    if (req.method === 'POST' && path === '/v1/completions') return routes.completions(await readJsonBody(req, limits.maxBodyBytes), peer, res);
    if (req.method === 'POST' && path === '/v1/chat/completions') return routes.chat(await readJsonBody(req, limits.maxBodyBytes), peer, res);
    throw new ApiError(404, `No route for ${req.method} ${path}.`, 'invalid_request_error', 'not_found');
  };

  const handle = async (req: http.IncomingMessage, res: http.ServerResponse) => {
    const started = performance.now();
    const path = new URL(req.url ?? '/', 'http://rook').pathname;
    const peer = peerAddress(req, options.behindTlsProxy);
    let outcome: GenerationOutcome | undefined;
    let failure: string | undefined;
    try {
      outcome = await route(req, res, path, peer);
      failure = outcome?.failure;
    } catch (error) {
      const apiError = asApiError(error);
      failure = res.destroyed ? 'client disconnected' : apiError.message;
      if (!res.headersSent && !res.destroyed) sendError(res, apiError);
      else res.end();
    }
    // Load balancers poll /health; a line per poll would bury the requests.
    if (path === '/health' && res.statusCode === 200) return;
    const parts = [`${req.method} ${path}`, String(res.destroyed && !res.writableFinished ? 'disconnected' : res.statusCode), `${(performance.now() - started).toFixed(1)}ms`, `client=${peer}`];
    if (outcome) parts.push(`pieces=${outcome.pieces}`, `finish=${outcome.finishReason ?? 'error'}`);
    if (failure) parts.push(`error=${JSON.stringify(failure)}`);
    log.info(parts.join(' '));
  };

  const server = options.tls ? https.createServer({ cert: options.tls.cert, key: options.tls.key }, handle) : http.createServer(handle);
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
