/**
 * Server-sent events as OpenAI streams them: one `data: <json>` event per chunk, `data: [DONE]` at the
 * end. Headers go out with the first event, so a failure before any output can still be a proper
 * HTTP error status; after that, an error can only be reported as an event.
 */
import type * as http from 'node:http';

export class SseWriter {
  constructor(private readonly res: http.ServerResponse) {}

  get started(): boolean {
    return this.res.headersSent;
  }

  send(payload: unknown): void {
    if (!this.started) {
      this.res.writeHead(200, { 'content-type': 'text/event-stream', 'cache-control': 'no-cache', connection: 'keep-alive' });
      this.res.flushHeaders();
    }
    this.res.write(`data: ${JSON.stringify(payload)}\n\n`);
  }

  done(): void {
    this.res.end('data: [DONE]\n\n');
  }

  /** Ends the stream with an error event and no `[DONE]`, so clients see it did not finish. */
  fail(errorBody: unknown): void {
    this.send(errorBody);
    this.res.end();
  }
}
