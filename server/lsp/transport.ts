/**
 * The sidecar's LSP framing on stdin (`Content-Length: N\r\n\r\n` + N bytes of JSON), read strictly.
 *
 * vscode-jsonrpc's own reader trusts the header: it reads `parseInt` of whatever `Content-Length` says (so `1e12` is
 * 1 byte and `-5` or a missing length leaves it waiting), fires an error and carries on with the stream out of step,
 * and then never answers again while staying alive, so the editor's supervisor, which restarts a sidecar that
 * exits, never does. Here a header that cannot be trusted is a `FramingError`: the stream cannot be resynchronised,
 * and `rook lsp` exits on it (see server/cli/lsp.ts). A body that is not JSON is only an error: its frame was
 * well-formed, so the next one starts where it should and the connection goes on.
 */
import { AbstractMessageReader, type DataCallback, type Disposable, type Message, type MessageReader } from 'vscode-languageserver/node';

/** The largest frame accepted: well above any document an editor syncs, far below what would exhaust memory. */
export const maxFrameBytes = 128 * 1024 * 1024;
/** The longest header block accepted (LSP sends one or two short lines). */
export const maxHeaderBytes = 8 * 1024;

/** The byte stream is no longer in step with its frames (or could not be read): nothing after it can be trusted. */
export class FramingError extends Error {
  override name = 'FramingError';
}

const headerEnd = Buffer.from('\r\n\r\n');
/** RFC 9110 token characters (a header name). */
const tokenChars = "[!#$%&'*+.^_`|~0-9A-Za-z-]";
const headerLine = new RegExp(`^(${tokenChars}+):[ \\t]*([\\x20-\\x7e\\t]*?)[ \\t]*$`);
/** What a header line may look like before it is complete. */
const partialHeaderLine = new RegExp(`^(${tokenChars}*|${tokenChars}+:[\\x20-\\x7e\\t]*)\\r?$`);

const describe = (text: string) => JSON.stringify(text.length > 60 ? `${text.slice(0, 60)}…` : text);

/** The body length a complete header block (without its closing blank line) announces. */
export function parseFrameHeader(block: string): number {
  let length: number | undefined;
  for (const line of block.split('\r\n')) {
    const match = headerLine.exec(line);
    if (!match) throw new FramingError(`frame header line ${describe(line)} is not "Name: value"`);
    if (match[1].toLowerCase() !== 'content-length') continue;
    const value = match[2];
    if (!/^[0-9]+$/.test(value)) throw new FramingError(`Content-Length must be a whole number of bytes; got ${describe(value)}`);
    const parsed = Number(value);
    if (parsed > maxFrameBytes) throw new FramingError(`Content-Length ${parsed} is over the ${maxFrameBytes}-byte limit`);
    if (length !== undefined && length !== parsed) throw new FramingError(`two Content-Length headers disagree (${length} and ${parsed})`);
    length = parsed;
  }
  if (length === undefined) throw new FramingError(`frame header without Content-Length: ${describe(block)}`);
  return length;
}

/** Throws when the start of a header block that has not ended yet can no longer become a valid one. */
function checkPartialHeader(head: string): void {
  if (head.length > maxHeaderBytes) throw new FramingError(`frame header longer than ${maxHeaderBytes} bytes without its end (a blank line, \\r\\n\\r\\n)`);
  const lines = head.split('\r\n');
  const last = lines.pop()!;
  for (const line of lines) {
    if (!headerLine.test(line)) throw new FramingError(`frame header line ${describe(line)} is not "Name: value"`);
  }
  if (!partialHeaderLine.test(last)) throw new FramingError(`frame header line ${describe(last)} is not "Name: value" (lines end in \\r\\n)`);
}

/** Reads LSP frames from a byte stream, refusing any frame whose header it cannot trust (see the file comment). */
export class FramedMessageReader extends AbstractMessageReader {
  /** Unread bytes, in order; merged into one buffer only when a header or a complete body is read. */
  private chunks: Buffer[] = [];
  private size = 0;
  /** The current frame's body length once its header is read. */
  private bodyLength: number | undefined;
  private broken = false;
  private closed = false;

  constructor(private readonly input: NodeJS.ReadableStream) {
    super();
  }

  listen(callback: DataCallback): Disposable {
    const onData = (data: Buffer | string) => this.onData(typeof data === 'string' ? Buffer.from(data) : data, callback);
    const onError = (error: Error) => this.fail(new FramingError(`reading the message stream failed: ${error.message}`));
    const onEnd = () => {
      if (this.closed) return;
      this.closed = true;
      this.fireClose();
    };
    this.input.on('data', onData);
    this.input.on('error', onError);
    this.input.on('end', onEnd);
    this.input.on('close', onEnd);
    return {
      dispose: () => {
        this.input.off('data', onData);
        this.input.off('error', onError);
        this.input.off('end', onEnd);
        this.input.off('close', onEnd);
      },
    };
  }

  private onData(data: Buffer, callback: DataCallback): void {
    if (this.broken) return;
    this.chunks.push(data);
    this.size += data.length;
    try {
      for (;;) {
        if (this.bodyLength === undefined) {
          const all = this.contiguous();
          const window = all.subarray(0, maxHeaderBytes + headerEnd.length);
          const end = window.indexOf(headerEnd);
          if (end < 0) {
            checkPartialHeader(window.toString('latin1'));
            return;
          }
          this.bodyLength = parseFrameHeader(window.subarray(0, end).toString('latin1'));
          this.consume(end + headerEnd.length);
        }
        if (this.size < this.bodyLength) return;
        const body = this.contiguous().subarray(0, this.bodyLength);
        this.consume(this.bodyLength);
        this.bodyLength = undefined;
        this.deliver(body, callback);
      }
    } catch (error) {
      this.fail(error instanceof FramingError ? error : new FramingError(String((error as Error)?.message ?? error)));
    }
  }

  /** A body that is not JSON is reported, not fatal: its frame was well-formed, so the stream is still in step. */
  private deliver(body: Buffer, callback: DataCallback): void {
    let message: Message;
    try {
      message = JSON.parse(body.toString('utf8')) as Message;
    } catch (error) {
      this.fireError(new Error(`A message that is not JSON was ignored: ${(error as Error).message}`));
      return;
    }
    // What the connection does with the message is its business; an exception there says nothing about the framing.
    try {
      callback(message);
    } catch (error) {
      this.fireError(error);
    }
  }

  private fail(error: FramingError): void {
    if (this.broken) return;
    this.broken = true;
    this.chunks = [];
    this.size = 0;
    this.fireError(error);
  }

  /** All unread bytes as one buffer. */
  private contiguous(): Buffer {
    if (this.chunks.length > 1) this.chunks = [Buffer.concat(this.chunks, this.size)];
    return this.chunks[0] ?? Buffer.alloc(0);
  }

  private consume(bytes: number): void {
    const all = this.contiguous();
    this.size -= bytes;
    this.chunks = this.size > 0 ? [all.subarray(bytes)] : [];
  }
}

/** `reader`'s messages, less those `screen` finds a problem with: `refuse` gets them instead, with the problem. */
export function screenedReader(reader: MessageReader, screen: (message: Message) => string | undefined, refuse: (message: Message, problem: string) => void): MessageReader {
  return {
    onError: reader.onError,
    onClose: reader.onClose,
    onPartialMessage: reader.onPartialMessage,
    listen: (callback) =>
      reader.listen((message) => {
        const problem = screen(message);
        if (problem === undefined) callback(message);
        else refuse(message, problem);
      }),
    dispose: () => reader.dispose(),
  };
}
