/**
 * The OpenAI-compatible endpoints: `GET /v1/models`, `POST /v1/completions` (with `suffix` for
 * fill-in-the-middle when the engine has it) and `POST /v1/chat/completions`, each streamed as
 * server-sent events or answered whole. Every generation waits its turn in the fair queue, and a
 * client that disconnects aborts its generation (or its place in the queue).
 */
import type * as http from 'node:http';
import { drain, EngineError, type EndEvent, type Engine, type EngineCapabilities, type StreamEvent, type TextEvent } from '../engines/engine';
import type { FinishReason } from '../protocol/contract';
import { ApiError } from './apiError';
import { excerpt } from './excerpt';
import type { FairQueue } from './fairQueue';
import { sendJson } from './httpIo';
import type { ServeLog } from './log';
import { chatShape, completionShape, type ResponseShape } from './openaiShapes';
import { chatParams, completionParams, type CommonParams, type ParamLimits } from './params';
import { SseWriter } from './sse';

export interface OpenAIRoutesOptions {
  engine: Engine;
  capabilities: EngineCapabilities;
  /** The model id clients name; the engine's own name unless the operator chose another. */
  modelName: string;
  queue: FairQueue;
  limits: ParamLimits;
  log: ServeLog;
}

/** What a generation request produced, for the access log. */
export interface GenerationOutcome {
  pieces: number;
  finishReason?: FinishReason;
  /** An error reported inside a stream that had already started. */
  failure?: string;
}

/** Engine failures become 500s whose message is the engine's own (it names no prompt content). */
export function asApiError(error: unknown): ApiError {
  if (error instanceof ApiError) return error;
  if (error instanceof EngineError) return new ApiError(500, error.message, 'server_error', 'engine_error');
  return new ApiError(500, 'Internal server error.', 'server_error', 'internal_error');
}

export class OpenAIRoutes {
  constructor(private readonly options: OpenAIRoutesOptions) {}

  models(res: http.ServerResponse): void {
    const { capabilities, modelName } = this.options;
    sendJson(res, 200, {
      object: 'list',
      data: [
        {
          id: modelName,
          object: 'model',
          created: 0,
          owned_by: 'rook',
          // vLLM's and llama.cpp's names for the context length; Rook's client reads either.
          max_model_len: capabilities.contextLength,
          context_length: capabilities.contextLength,
          fim: capabilities.fim,
        },
      ],
    });
  }

  async completions(body: unknown, client: string, res: http.ServerResponse): Promise<GenerationOutcome> {
    const params = completionParams(body, this.options.limits);
    this.checkModel(params.model);
    if (params.request.suffix !== undefined && !this.options.capabilities.fim) {
      throw ApiError.invalid(`suffix is not supported: model "${this.options.modelName}" has no fill-in-the-middle. Send the prompt without a suffix.`, 'suffix');
    }
    this.options.log.debug(() => `completion prompt=${JSON.stringify(params.request.prompt)} suffix=${JSON.stringify(params.request.suffix ?? '')}`);
    return this.generate(res, client, params, completionShape(this.options.modelName, params), (signal) => this.options.engine.complete(params.request, signal));
  }

  async chat(body: unknown, client: string, res: http.ServerResponse): Promise<GenerationOutcome> {
    const params = chatParams(body, this.options.limits);
    this.checkModel(params.model);
    this.options.log.debug(() => `chat messages=${JSON.stringify(params.request.messages)}`);
    return this.generate(res, client, params, chatShape(this.options.modelName, params), (signal) => this.options.engine.chat(params.request, signal));
  }

  private checkModel(requested: string | undefined): void {
    if (requested !== undefined && requested !== this.options.modelName) {
      throw new ApiError(404, `The model ${excerpt(requested)} does not exist; this server serves "${this.options.modelName}".`, 'invalid_request_error', 'model_not_found', 'model');
    }
  }

  private async generate(
    res: http.ServerResponse,
    client: string,
    params: CommonParams,
    shape: ResponseShape,
    start: (signal: AbortSignal) => AsyncIterable<StreamEvent>,
  ): Promise<GenerationOutcome> {
    const controller = new AbortController();
    const onClose = () => {
      if (!res.writableFinished) controller.abort(new Error('client disconnected'));
    };
    res.on('close', onClose);
    try {
      const release = await this.options.queue.acquire(client, controller.signal, params.user);
      try {
        return params.stream
          ? await this.stream(res, shape, params.includeUsage, start(controller.signal), controller.signal)
          : await this.answer(res, shape, start(controller.signal));
      } finally {
        release();
      }
    } finally {
      res.off('close', onClose);
    }
  }

  private async answer(res: http.ServerResponse, shape: ResponseShape, events: AsyncIterable<StreamEvent>): Promise<GenerationOutcome> {
    const pieces: TextEvent[] = [];
    const { text, finishReason, usage } = await drain(events, (_text, piece) => pieces.push(piece));
    this.options.log.debug(() => `output=${JSON.stringify(text)}`);
    if (!res.destroyed) sendJson(res, 200, shape.whole(pieces, { kind: 'end', finishReason, usage }));
    return { pieces: pieces.length, finishReason };
  }

  private async stream(res: http.ServerResponse, shape: ResponseShape, includeUsage: boolean, events: AsyncIterable<StreamEvent>, signal: AbortSignal): Promise<GenerationOutcome> {
    const sse = new SseWriter(res);
    let pieces = 0;
    let end: EndEvent = { kind: 'end', finishReason: 'stop' };
    try {
      for await (const event of events) {
        if (event.kind === 'end') end = event;
        else if (!signal.aborted) {
          sse.send(shape.chunk(event, pieces === 0));
          pieces++;
          this.options.log.debug(() => `output piece=${JSON.stringify(event.text)}`);
        }
      }
    } catch (error) {
      // Once the stream has begun the status is sent; the error can only travel as an event.
      if (!sse.started) throw error;
      const failure = asApiError(error);
      if (!signal.aborted) sse.fail(failure.body);
      return { pieces, failure: failure.message };
    }
    if (!signal.aborted) {
      sse.send(shape.finish(end.finishReason));
      if (includeUsage && end.usage) sse.send(shape.usage(end.usage));
      sse.done();
    }
    return { pieces, finishReason: signal.aborted ? 'cancelled' : end.finishReason };
  }
}
