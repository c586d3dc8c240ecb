/**
 * Errors in the shape OpenAI's API uses, `{ error: { message, type, param, code } }`, so that every
 * OpenAI client (the official SDKs, Rook's own engine) shows the message instead of a bare status.
 */
export class ApiError extends Error {
  constructor(
    readonly status: number,
    message: string,
    readonly type: string,
    readonly code: string | null = null,
    readonly param: string | null = null,
    /** Sent as `Retry-After` (seconds) with 429 and 503. */
    readonly retryAfterSeconds?: number,
  ) {
    super(message);
    this.name = 'ApiError';
  }

  static invalid(message: string, param: string | null = null): ApiError {
    return new ApiError(400, message, 'invalid_request_error', 'invalid_value', param);
  }

  get body(): { error: { message: string; type: string; param: string | null; code: string | null } } {
    return { error: { message: this.message, type: this.type, param: this.param, code: this.code } };
  }
}
