/**
 * Reads an OpenAI-style server-sent-event stream into JSON payloads. Framing is parsed by
 * `eventsource-parser`; this module adds the OpenAI conventions (`data: [DONE]` ends the stream,
 * every other event is one JSON object) and an idle timeout, because a server that stalls
 * mid-stream must not hang a completion forever.
 */
import { createParser, type EventSourceMessage } from 'eventsource-parser';
import { EngineError } from '../engine';

export async function* readSseJson(
  body: ReadableStream<Uint8Array>,
  idleTimeoutMs: number,
  signal: AbortSignal,
  source: string,
): AsyncGenerator<unknown> {
  const reader = body.getReader();
  const decoder = new TextDecoder();
  const pending: EventSourceMessage[] = [];
  const parser = createParser({ onEvent: (event) => pending.push(event) });
  let sawDone = false;
  try {
    while (!sawDone) {
      const chunk = await readWithTimeout(reader, idleTimeoutMs, signal, source);
      if (chunk.done) break;
      parser.feed(decoder.decode(chunk.value, { stream: true }));
      while (pending.length > 0) {
        const event = pending.shift()!;
        if (event.data.trim() === '[DONE]') {
          sawDone = true;
          break;
        }
        let payload: unknown;
        try {
          payload = JSON.parse(event.data);
        } catch {
          throw new EngineError(`${source} sent a stream event that is not JSON: ${event.data.slice(0, 80)}`, true);
        }
        yield payload;
      }
    }
    if (!sawDone && !signal.aborted) {
      throw new EngineError(`${source} closed the stream before it finished (no [DONE]).`, true);
    }
  } finally {
    reader.cancel().catch(() => undefined);
  }
}

async function readWithTimeout(
  reader: ReadableStreamDefaultReader<Uint8Array>,
  timeoutMs: number,
  signal: AbortSignal,
  source: string,
): Promise<ReadableStreamReadResult<Uint8Array>> {
  let timer: NodeJS.Timeout | undefined;
  const timeout = new Promise<never>((_, reject) => {
    timer = setTimeout(
      () => reject(new EngineError(`${source} stopped sending for ${timeoutMs} ms mid-stream; giving up.`, true)),
      timeoutMs,
    );
  });
  try {
    return await Promise.race([reader.read(), timeout]);
  } catch (error) {
    if (signal.aborted) return { done: true, value: undefined };
    if (error instanceof EngineError) throw error;
    throw new EngineError(`${source} connection failed mid-stream: ${(error as Error).message}`, true);
  } finally {
    clearTimeout(timer);
  }
}
