/**
 * `rook serve`: runs the local ONNX engine on this machine (CPU, CUDA or WebGPU) behind an
 * OpenAI-compatible HTTP API, so editors elsewhere can use it as an endpoint. Binds 127.0.0.1 unless
 * told otherwise, and refuses a non-loopback address without a token and TLS.
 */
import * as fs from 'node:fs';
import { parseArgs } from 'node:util';
import type { ExecutionProvider } from '../protocol/contract';
import { LocalEngine } from '../engines/local/localEngine';
import { excerptChars } from '../serve/excerpt';
import { exposureProblem } from '../serve/exposure';
import { serveLog } from '../serve/log';
import { defaultServeLimits, startServe, type ServeLimits } from '../serve/server';
import { embeddedModelDir } from './embeddedModel';
import { modelFolderFor } from './ggufModel';

/**
 * A server batches more generations than the editor's own engine (`defaultMaxSequences`): its clients are many, and a
 * batch's KV rows are sized to its longest sequence, so short requests batch cheaply (bench/serve/README.md).
 */
export const serveMaxSequences = 64;

export const serveUsage = `rook serve [--model DIR|FILE] [--cache-dir DIR] [--ep cpu|cuda|webgpu|auto] [--threads N] [--max-sequences N] [--host 127.0.0.1] [--port 8000]
             [--token T] [--tls-cert FILE --tls-key FILE | --behind-tls-proxy] [--model-name NAME]
             [--max-queue N] [--max-queue-per-client N] [--rate-limit PER_MINUTE] [--max-body-bytes N]
             [--max-prompt-chars N] [--debug-log]      (the token may come from ROOK_SERVE_TOKEN instead)`;

/** `rook serve --help`: the usage line, then what each flag does. */
export const serveHelp = `Usage: ${serveUsage}

  --model DIR|FILE          model folder (config.json, model.onnx, tokenizer.json); default: the embedded model.
                            A GGUF file (llama.cpp's, an Ollama blob, LM Studio's) is converted once into the cache
  --cache-dir DIR           where a GGUF is converted to (default: $XDG_CACHE_HOME/rook/models, else
                            ~/.cache/rook/models)
  --ep EP                   execution provider: cpu, cuda, webgpu or auto (default auto)
  --threads N               CPU threads for the engine (0: its default)
  --max-sequences N         generations decoded together in one batch (default ${serveMaxSequences}, fewer when their KV caches at
                            full context would not fit in 512 MiB); more requests wait in the queue
  --host ADDR, --port N     where to listen (default 127.0.0.1:8000; 0 picks a free port). Any address but
                            loopback needs a token and TLS (--tls-cert/--tls-key, or --behind-tls-proxy)
  --token T                 bearer token clients must send; prefer ROOK_SERVE_TOKEN (not in the process list)
  --tls-cert FILE --tls-key FILE   serve HTTPS with this certificate and key (PEM)
  --behind-tls-proxy        a TLS-terminating proxy is in front: it may bind publicly without --tls-*, and
                            the last X-Forwarded-For hop names the client
  --model-name NAME         the model id to advertise (default: the engine's own)
  --max-queue N             requests running or waiting, all clients together (default ${defaultServeLimits.queueCapacity}); beyond: 503
  --max-queue-per-client N  requests running or waiting per client address (default ${defaultServeLimits.queuePerClient}); beyond: 429.
                            OpenAI's \`user\` field only orders a client's own requests, it earns no extra share
  --rate-limit N            requests per minute per client address (default ${defaultServeLimits.rateLimitPerMinute})
  --max-body-bytes N        largest request body (default ${defaultServeLimits.maxBodyBytes}); beyond: 413
  --max-prompt-chars N      longest prompt (default ${defaultServeLimits.maxPromptChars}); beyond: 413
  --debug-log               also log prompts, completions and refused request bodies in full. Without it the
                            log holds one line of bounded metadata per request (method, path, status, time,
                            client, piece count, error). Error messages, and so the log, quote a request value
                            only as a short escaped excerpt (${excerptChars} characters) with its length
A client has ${defaultServeLimits.headersTimeoutMs / 1000} s to send a request's headers and ${defaultServeLimits.requestTimeoutMs / 1000} s for the whole request (then 408 and the
connection is closed); responses, streamed or not, are not limited. Idle keep-alive connections close after ${defaultServeLimits.keepAliveTimeoutMs / 1000} s.`;

const providers: readonly ExecutionProvider[] = ['auto', 'cpu', 'cuda', 'webgpu'];

function positiveInteger(flag: string, raw: string | undefined, fallback: number, min = 1): number {
  if (raw === undefined) return fallback;
  const value = Number(raw);
  if (!Number.isInteger(value) || value < min) throw new Error(`--${flag} must be an integer of at least ${min}; got "${raw}".`);
  return value;
}

/** Starts the server; resolves once it listens (the process then stays up) or with an exit code on a refusal. */
export async function runServe(args: string[]): Promise<number> {
  const { values } = parseArgs({
    args,
    options: {
      model: { type: 'string' },
      'cache-dir': { type: 'string' },
      ep: { type: 'string', default: 'auto' },
      threads: { type: 'string' },
      'max-sequences': { type: 'string' },
      host: { type: 'string', default: '127.0.0.1' },
      port: { type: 'string', default: '8000' },
      token: { type: 'string' },
      'tls-cert': { type: 'string' },
      'tls-key': { type: 'string' },
      'behind-tls-proxy': { type: 'boolean', default: false },
      'model-name': { type: 'string' },
      'max-queue': { type: 'string' },
      'max-queue-per-client': { type: 'string' },
      'rate-limit': { type: 'string' },
      'max-body-bytes': { type: 'string' },
      'max-prompt-chars': { type: 'string' },
      'debug-log': { type: 'boolean', default: false },
      help: { type: 'boolean', short: 'h', default: false },
    },
  });
  if (values.help) {
    console.log(serveHelp);
    return 0;
  }
  const executionProvider = values.ep as ExecutionProvider;
  if (!providers.includes(executionProvider)) throw new Error(`--ep must be one of ${providers.join(', ')}; got "${values.ep}".`);
  if (Boolean(values['tls-cert']) !== Boolean(values['tls-key'])) throw new Error('--tls-cert and --tls-key go together.');
  const token = values.token ?? process.env.ROOK_SERVE_TOKEN;
  const host = values.host!;
  // Checked before the model loads, so a refused configuration fails at once.
  const problem = exposureProblem({ host, token, tls: Boolean(values['tls-cert']), behindTlsProxy: values['behind-tls-proxy']! });
  if (problem) {
    console.error(`rook serve: ${problem}`);
    return 2;
  }
  const limits: ServeLimits = {
    // The connection timeouts (headers 10 s, whole request 30 s, keep-alive 5 s) have no flags.
    ...defaultServeLimits,
    maxBodyBytes: positiveInteger('max-body-bytes', values['max-body-bytes'], defaultServeLimits.maxBodyBytes),
    maxPromptChars: positiveInteger('max-prompt-chars', values['max-prompt-chars'], defaultServeLimits.maxPromptChars),
    rateLimitPerMinute: positiveInteger('rate-limit', values['rate-limit'], defaultServeLimits.rateLimitPerMinute),
    queueCapacity: positiveInteger('max-queue', values['max-queue'], defaultServeLimits.queueCapacity),
    queuePerClient: positiveInteger('max-queue-per-client', values['max-queue-per-client'], defaultServeLimits.queuePerClient),
  };
  const maxSequences = positiveInteger('max-sequences', values['max-sequences'], serveMaxSequences);
  const tls = values['tls-cert'] ? { cert: fs.readFileSync(values['tls-cert']), key: fs.readFileSync(values['tls-key']!) } : undefined;

  const configuredPath = values.model ?? embeddedModelDir;
  if (!fs.existsSync(configuredPath)) throw new Error(`model folder ${configuredPath} does not exist; pass --model DIR (a folder with config.json, model.onnx and tokenizer.json, made by \`rook convert\`) or --model FILE.gguf.`);
  const modelPath = await modelFolderFor(configuredPath, values['cache-dir']);
  const engine = await LocalEngine.load({
    modelPath,
    executionProvider,
    threads: positiveInteger('threads', values.threads, 0, 0),
    maxSequences,
  });
  const log = serveLog((line) => process.stderr.write(`${line}\n`), values['debug-log']!);
  const server = await startServe(engine, {
    host,
    port: positiveInteger('port', values.port, 8000, 0),
    token,
    tls,
    behindTlsProxy: values['behind-tls-proxy']!,
    limits,
    modelName: values['model-name'],
    log,
  });
  const capabilities = await engine.capabilities();
  console.log(`rook serve: listening on ${server.origin}/v1 (model ${values['model-name'] ?? capabilities.model}, ${engine.executionProvider}, auth ${token ? 'on' : 'off'})`);
  const stop = async () => {
    await server.close();
    await engine.dispose();
    process.exit(0);
  };
  process.once('SIGINT', stop);
  process.once('SIGTERM', stop);
  return -1;
}
