/**
 * The OpenAI-compatible remote engine: vLLM, SGLang, llama.cpp server, Ollama, LM Studio and
 * `rook serve` all speak `/v1/models`, `/v1/completions` (with `suffix` for fill-in-the-middle
 * where the server supports it) and `/v1/chat/completions`, streamed as server-sent events.
 */
import type { EngineInfo } from '../../protocol/contract';
import {
  EngineError,
  type ChatRequest,
  type CompletionRequest,
  type Engine,
  type EngineCapabilities,
  type StreamEvent,
} from '../engine';
import { readSseJson } from './sse';

export interface OpenAIEngineOptions {
  /** Base URL including the API prefix, e.g. `http://127.0.0.1:8000/v1`. */
  baseUrl: string;
  model: string;
  apiKey?: string;
  /** Time allowed for the first byte and between stream chunks. */
  timeoutMs: number;
  /**
   * Probe once whether `/v1/completions` accepts `suffix` (fill-in-the-middle), costing the server one
   * token. Off, `capabilities().fim` is false and a caller's suffix is passed through unchecked.
   */
  detectFim?: boolean;
}

interface ModelsResponse {
  data?: Array<{ id?: string; max_model_len?: number; context_length?: number }>;
}

/** Normalizes a user-typed endpoint: trims, drops trailing slashes, checks it is http(s). */
export function normalizeBaseUrl(raw: string): string {
  const trimmed = raw.trim().replace(/\/+$/, '');
  let url: URL;
  try {
    url = new URL(trimmed);
  } catch {
    throw new EngineError(`Endpoint "${raw}" is not a URL. Use a base URL such as http://127.0.0.1:8000/v1.`, false);
  }
  if (url.protocol !== 'http:' && url.protocol !== 'https:') {
    throw new EngineError(`Endpoint "${raw}" must use http or https.`, false);
  }
  return trimmed;
}

/** Reads the `{ error: { message } }` body OpenAI-compatible servers send with HTTP errors. */
async function describeHttpError(response: Response, source: string): Promise<EngineError> {
  let detail = '';
  try {
    const body = (await response.json()) as { error?: { message?: string } | string; message?: string };
    detail = typeof body.error === 'string' ? body.error : (body.error?.message ?? body.message ?? '');
  } catch {
    // The body is not JSON; the status alone says enough.
  }
  const hint =
    response.status === 401 || response.status === 403
      ? ' Check the API key (command "Rook: Set API Key for Remote Engine").'
      : response.status === 404
        ? ' Check that the endpoint URL ends with the API prefix, e.g. /v1.'
        : '';
  const retryable = response.status === 429 || response.status >= 500;
  return new EngineError(
    `${source} answered HTTP ${response.status}${detail ? `: ${detail}` : ''}.${hint}`,
    retryable,
    response.status,
  );
}

export class OpenAIEngine implements Engine {
  readonly info: EngineInfo;
  private detected?: Promise<EngineCapabilities>;
  /** Set once the server refused `logprobs`: completions then go without confidence. */
  private logprobsRefused = false;

  constructor(private readonly options: OpenAIEngineOptions) {
    this.options = { ...options, baseUrl: normalizeBaseUrl(options.baseUrl) };
    this.info = { kind: 'openai', model: options.model, location: this.options.baseUrl };
  }

  capabilities(signal?: AbortSignal): Promise<EngineCapabilities> {
    this.detected ??= this.detectCapabilities(signal).catch((error) => {
      this.detected = undefined;
      throw error;
    });
    return this.detected;
  }

  private async detectCapabilities(signal?: AbortSignal): Promise<EngineCapabilities> {
    const response = await this.request('GET', '/models', undefined, signal ?? new AbortController().signal);
    const body = (await response.json()) as ModelsResponse;
    const models = body.data ?? [];
    const chosen = this.options.model ? models.find((m) => m.id === this.options.model) : models[0];
    if (!chosen?.id) {
      const available = models.map((m) => m.id).join(', ') || 'none';
      throw new EngineError(
        this.options.model
          ? `${this.options.baseUrl} does not serve model "${this.options.model}" (it serves: ${available}).`
          : `${this.options.baseUrl} lists no models.`,
        false,
      );
    }
    this.info.model = chosen.id;
    // FIM support cannot be read from /v1/models in general, so it is probed.
    const fim = this.options.detectFim ? await this.acceptsSuffix(chosen.id, signal) : false;
    return { model: chosen.id, fim, contextLength: chosen.max_model_len ?? chosen.context_length };
  }

  /**
   * Sends a one-token completion with a suffix. Servers without FIM refuse it (vLLM and `rook serve`
   * with a 400 that names `suffix`); any failure counts as "no FIM", since plain completion still works.
   */
  private async acceptsSuffix(model: string, signal?: AbortSignal): Promise<boolean> {
    const probe = { model, prompt: 'def', suffix: '\n', max_tokens: 1, temperature: 0 };
    try {
      const response = await this.request('POST', '/completions', probe, signal ?? new AbortController().signal);
      await response.body?.cancel();
      return true;
    } catch (error) {
      if (signal?.aborted) throw error;
      return false;
    }
  }

  /** Resolves when the server says it is up: `/health` beside the API prefix, else `/models` for servers without one. */
  async health(signal: AbortSignal): Promise<void> {
    const origin = this.options.baseUrl.replace(/\/v1$/, '');
    const response = await fetch(`${origin}/health`, { signal: AbortSignal.any([signal, AbortSignal.timeout(this.options.timeoutMs)]) }).catch(() => undefined);
    await response?.body?.cancel();
    if (response?.ok) return;
    await (await this.request('GET', '/models', undefined, signal)).body?.cancel();
  }

  async *complete(request: CompletionRequest, signal: AbortSignal): AsyncIterable<StreamEvent> {
    const { model, fim } = await this.capabilities(signal);
    const body: Record<string, unknown> = {
      model,
      prompt: request.prompt,
      max_tokens: request.maxTokens,
      temperature: request.temperature,
      stream: true,
    };
    // With detection on, a suffix goes only to an endpoint that accepted the probe; this endpoint may be
    // one replica of several that differ.
    if (request.suffix !== undefined && (fim || !this.options.detectFim)) body.suffix = request.suffix;
    if (request.stop?.length) body.stop = request.stop;
    // The chosen tokens' log-probabilities, for the confidence threshold. A server that refuses the parameter is
    // asked again without it, and not asked for it again.
    if (!this.logprobsRefused) body.logprobs = 1;
    try {
      yield* this.stream('/completions', body, signal, (choice) => choice.text);
    } catch (error) {
      if (!(error instanceof EngineError && error.status === 400 && /logprobs/i.test(error.message)) || this.logprobsRefused) throw error;
      this.logprobsRefused = true;
      delete body.logprobs;
      yield* this.stream('/completions', body, signal, (choice) => choice.text);
    }
  }

  async *chat(request: ChatRequest, signal: AbortSignal): AsyncIterable<StreamEvent> {
    const model = (await this.capabilities(signal)).model;
    const body: Record<string, unknown> = {
      model,
      messages: request.messages,
      max_tokens: request.maxTokens,
      temperature: request.temperature,
      stream: true,
    };
    if (request.stop?.length) body.stop = request.stop;
    yield* this.stream('/chat/completions', body, signal, (choice) => choice.delta?.content);
  }

  private async *stream(
    path: string,
    body: unknown,
    signal: AbortSignal,
    textOf: (choice: any) => string | undefined,
  ): AsyncIterable<StreamEvent> {
    const response = await this.request('POST', path, body, signal);
    if (!response.body) throw new EngineError(`${this.options.baseUrl}${path} sent no body.`, true);
    let finishReason: 'stop' | 'length' = 'stop';
    for await (const payload of readSseJson(response.body, this.options.timeoutMs, signal, this.options.baseUrl)) {
      if (signal.aborted) break;
      const error = (payload as { error?: { message?: string } }).error;
      if (error) throw new EngineError(`${this.options.baseUrl} reported: ${error.message ?? 'unknown error'}`, true);
      const choice = (payload as { choices?: any[] }).choices?.[0];
      if (!choice) continue;
      const text = textOf(choice);
      const logprobs = choice.logprobs?.token_logprobs;
      if (text) yield Array.isArray(logprobs) && logprobs.length > 0 && logprobs.every(Number.isFinite) ? { kind: 'text', text, logprobs } : { kind: 'text', text };
      if (choice.finish_reason === 'length') finishReason = 'length';
    }
    yield { kind: 'end', finishReason: signal.aborted ? 'cancelled' : finishReason };
  }

  private async request(method: string, path: string, body: unknown, signal: AbortSignal): Promise<Response> {
    const url = `${this.options.baseUrl}${path}`;
    const headers: Record<string, string> = { accept: method === 'POST' ? 'text/event-stream' : 'application/json' };
    if (body !== undefined) headers['content-type'] = 'application/json';
    if (this.options.apiKey) headers.authorization = `Bearer ${this.options.apiKey}`;
    // The timeout covers only the wait for headers; the stream has its own idle timeout (sse.ts).
    const headersTimeout = new AbortController();
    const timer = setTimeout(() => headersTimeout.abort(), this.options.timeoutMs);
    let response: Response;
    try {
      response = await fetch(url, {
        method,
        headers,
        body: body === undefined ? undefined : JSON.stringify(body),
        signal: AbortSignal.any([signal, headersTimeout.signal]),
      });
    } catch (error) {
      if (signal.aborted) throw error;
      if (headersTimeout.signal.aborted) {
        throw new EngineError(`${this.options.baseUrl} did not answer within ${this.options.timeoutMs} ms.`, true);
      }
      const cause = (error as { cause?: { code?: string; message?: string } }).cause;
      throw new EngineError(
        `Cannot reach ${this.options.baseUrl} (${cause?.code ?? cause?.message ?? (error as Error).message}). Is the server running?`,
        true,
      );
    } finally {
      clearTimeout(timer);
    }
    if (!response.ok) throw await describeHttpError(response, this.options.baseUrl);
    return response;
  }

  async dispose(): Promise<void> {}
}
