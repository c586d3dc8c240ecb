/**
 * `rook serve`: runs the local ONNX engine on this machine (CPU, CUDA or WebGPU) behind an
 * OpenAI-compatible HTTP API, so editors elsewhere can use it as an endpoint. Binds 127.0.0.1 unless
 * told otherwise, and refuses a non-loopback address without a token and TLS.
 */
import * as fs from 'node:fs';
import { parseArgs } from 'node:util';
import type { ExecutionProvider } from '../protocol/contract';
import { LocalEngine } from '../engines/local/localEngine';
import { exposureProblem } from '../serve/exposure';
import { serveLog } from '../serve/log';
import { defaultServeLimits, startServe, type ServeLimits } from '../serve/server';
import { embeddedModelDir } from './embeddedModel';

export const serveUsage = `rook serve [--model DIR] [--ep cpu|cuda|webgpu|auto] [--threads N] [--host 127.0.0.1] [--port 8000]
             [--token T] [--tls-cert FILE --tls-key FILE | --behind-tls-proxy] [--model-name NAME]
             [--max-queue N] [--max-queue-per-client N] [--rate-limit PER_MINUTE] [--max-body-bytes N]
             [--max-prompt-chars N] [--debug-log]      (the token may come from ROOK_SERVE_TOKEN instead)`;

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
      ep: { type: 'string', default: 'auto' },
      threads: { type: 'string' },
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
    },
  });
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
    maxBodyBytes: positiveInteger('max-body-bytes', values['max-body-bytes'], defaultServeLimits.maxBodyBytes),
    maxPromptChars: positiveInteger('max-prompt-chars', values['max-prompt-chars'], defaultServeLimits.maxPromptChars),
    rateLimitPerMinute: positiveInteger('rate-limit', values['rate-limit'], defaultServeLimits.rateLimitPerMinute),
    queueCapacity: positiveInteger('max-queue', values['max-queue'], defaultServeLimits.queueCapacity),
    queuePerClient: positiveInteger('max-queue-per-client', values['max-queue-per-client'], defaultServeLimits.queuePerClient),
  };
  const tls = values['tls-cert'] ? { cert: fs.readFileSync(values['tls-cert']), key: fs.readFileSync(values['tls-key']!) } : undefined;

  const modelPath = values.model ?? embeddedModelDir;
  if (!fs.existsSync(modelPath)) throw new Error(`model folder ${modelPath} does not exist; pass --model DIR (a folder with config.json, model.onnx and tokenizer.json, made by \`rook convert\`).`);
  const engine = await LocalEngine.load({ modelPath, executionProvider, threads: positiveInteger('threads', values.threads, 0, 0) });
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
