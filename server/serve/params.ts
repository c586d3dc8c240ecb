/**
 * Validates OpenAI request bodies and turns them into engine requests. Every refusal names the
 * parameter (`param` in the error), as OpenAI does, so a client can tell what to fix.
 */
import { chatRoles, type ChatMessage } from '../protocol/contract';
import type { ChatRequest, CompletionRequest } from '../engines/engine';
import { ApiError } from './apiError';
import { describeValue } from './excerpt';

export interface ParamLimits {
  /** The longest prompt accepted, in characters (all chat messages together); longer is 413. */
  maxPromptChars: number;
  /** The model's context, the ceiling for `max_tokens`. */
  contextLength?: number;
}

export interface CommonParams {
  /** The `model` the client asked for, if any. */
  model?: string;
  stream: boolean;
  /** `stream_options.include_usage`: a last chunk gives the token usage. */
  includeUsage: boolean;
  /** Log-probabilities asked for: how many alternatives to give at each token (0: only the chosen one's); absent: none. */
  logprobs?: number;
  /** OpenAI's end-user id; orders this client's own requests in the fair queue, never earns it a larger share. */
  user?: string;
}

export type CompletionParams = CommonParams & { request: CompletionRequest };
export type ChatParams = CommonParams & { request: ChatRequest };

type Body = Record<string, unknown>;

function objectBody(body: unknown): Body {
  if (!body || typeof body !== 'object' || Array.isArray(body)) throw ApiError.invalid('The request body must be a JSON object.');
  return body as Body;
}

function optionalString(body: Body, name: string): string | undefined {
  const value = body[name];
  if (value === undefined || value === null) return undefined;
  if (typeof value !== 'string') throw ApiError.invalid(`${name} must be a string; got ${describeValue(value)}.`, name);
  return value;
}

function optionalNumber(body: Body, name: string, min: number, max: number, integer: boolean): number | undefined {
  const value = body[name];
  if (value === undefined || value === null) return undefined;
  if (typeof value !== 'number' || !Number.isFinite(value) || (integer && !Number.isInteger(value)) || value < min || value > max) {
    // The value only as an excerpt: it may be a huge string, or hold control characters.
    throw ApiError.invalid(`${name} must be ${integer ? 'an integer' : 'a number'} from ${min} to ${max}; got ${describeValue(value)}.`, name);
  }
  return value;
}

function stopStrings(body: Body): string[] | undefined {
  const stop = body.stop;
  if (stop === undefined || stop === null) return undefined;
  const list = typeof stop === 'string' ? [stop] : stop;
  if (!Array.isArray(list) || list.length > 4 || list.some((s) => typeof s !== 'string' || s === '')) {
    throw ApiError.invalid('stop must be a non-empty string or an array of up to 4 of them.', 'stop');
  }
  return list as string[];
}

function checkPromptLength(chars: number, limits: ParamLimits, param: string): void {
  if (chars > limits.maxPromptChars) {
    throw new ApiError(413, `The prompt is ${chars} characters; this server accepts at most ${limits.maxPromptChars}.`, 'invalid_request_error', 'prompt_too_long', param);
  }
}

/** `stream_options`, which OpenAI refuses unless `stream` is true. */
function includeUsage(body: Body): boolean {
  const options = body.stream_options;
  if (options === undefined || options === null) return false;
  if (body.stream !== true) throw ApiError.invalid("The 'stream_options' parameter is only allowed when 'stream' is enabled.", 'stream_options');
  if (typeof options !== 'object' || Array.isArray(options)) throw ApiError.invalid('stream_options must be an object.', 'stream_options');
  const include = (options as Body).include_usage;
  if (include !== undefined && include !== null && typeof include !== 'boolean') throw ApiError.invalid('stream_options.include_usage must be true or false.', 'stream_options.include_usage');
  return include === true;
}

function common(body: Body, limits: ParamLimits, defaultMaxTokens: number): Omit<CommonParams, 'logprobs'> & { maxTokens: number; temperature: number; stop?: string[] } {
  if (body.n !== undefined && body.n !== null && body.n !== 1) throw ApiError.invalid('Only n = 1 is supported: one choice per request.', 'n');
  if (body.stream !== undefined && typeof body.stream !== 'boolean') throw ApiError.invalid('stream must be true or false.', 'stream');
  const ceiling = limits.contextLength ?? 1 << 20;
  const maxTokens =
    optionalNumber(body, 'max_tokens', 1, ceiling, true) ?? optionalNumber(body, 'max_completion_tokens', 1, ceiling, true) ?? Math.min(defaultMaxTokens, ceiling);
  return {
    model: optionalString(body, 'model'),
    stream: body.stream === true,
    includeUsage: includeUsage(body),
    user: optionalString(body, 'user'),
    maxTokens,
    temperature: optionalNumber(body, 'temperature', 0, 2, false) ?? 1,
    stop: stopStrings(body),
  };
}

/** `/v1/completions`: `prompt` (a string, or an array holding one), optional `suffix` for fill-in-the-middle. */
export function completionParams(raw: unknown, limits: ParamLimits): CompletionParams {
  const body = objectBody(raw);
  const prompt = Array.isArray(body.prompt) && body.prompt.length === 1 ? body.prompt[0] : body.prompt;
  if (typeof prompt !== 'string') throw ApiError.invalid('prompt must be a string (one prompt per request).', 'prompt');
  const suffix = optionalString(body, 'suffix');
  checkPromptLength(prompt.length + (suffix?.length ?? 0), limits, 'prompt');
  // OpenAI's default for the legacy completions endpoint.
  const { maxTokens, temperature, stop, ...rest } = common(body, limits, 16);
  // The legacy API's `logprobs` is the number of alternatives, at most 5.
  const logprobs = optionalNumber(body, 'logprobs', 0, 5, true);
  return { ...rest, logprobs, request: { prompt, suffix, maxTokens, temperature, stop, topLogprobs: logprobs } };
}

/** Message content as a string; OpenAI also allows an array of `{ type: 'text', text }` parts. */
function messageText(content: unknown, index: number): string {
  if (typeof content === 'string') return content;
  if (Array.isArray(content) && content.every((part) => part?.type === 'text' && typeof part.text === 'string')) {
    return content.map((part) => part.text).join('');
  }
  throw ApiError.invalid(`messages[${index}].content must be a string or an array of text parts.`, `messages[${index}].content`);
}

/** `/v1/chat/completions`: a non-empty `messages` list of system, user and assistant turns. */
export function chatParams(raw: unknown, limits: ParamLimits): ChatParams {
  const body = objectBody(raw);
  if (!Array.isArray(body.messages) || body.messages.length === 0) throw ApiError.invalid('messages must be a non-empty array.', 'messages');
  const messages: ChatMessage[] = body.messages.map((message: any, index: number) => {
    if (!Object.hasOwn(chatRoles, message?.role)) throw ApiError.invalid(`messages[${index}].role must be system, user or assistant.`, `messages[${index}].role`);
    return { role: message.role, content: messageText(message.content, index) };
  });
  checkPromptLength(messages.reduce((sum, m) => sum + m.content.length, 0), limits, 'messages');
  // Chat has no small default in OpenAI's API; the engine stops at its context anyway.
  const { maxTokens, temperature, stop, ...rest } = common(body, limits, limits.contextLength ?? 1024);
  const logprobs = chatLogprobs(body);
  return { ...rest, logprobs, request: { messages, maxTokens, temperature, stop, topLogprobs: logprobs } };
}

/** Chat's `logprobs: true`, with `top_logprobs` alternatives (0 to 20), which OpenAI takes only with it. */
function chatLogprobs(body: Body): number | undefined {
  if (body.logprobs !== undefined && body.logprobs !== null && typeof body.logprobs !== 'boolean') throw ApiError.invalid('logprobs must be true or false.', 'logprobs');
  const top = optionalNumber(body, 'top_logprobs', 0, 20, true);
  if (body.logprobs !== true) {
    if (top !== undefined) throw ApiError.invalid('top_logprobs is only allowed when logprobs is true.', 'top_logprobs');
    return undefined;
  }
  return top ?? 0;
}
