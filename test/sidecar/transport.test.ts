/**
 * The sidecar's frame reader (server/lsp/transport.ts) on its own, fed through a stream: frames cut at every byte
 * boundary still arrive whole and in order, a body that is not JSON is reported and skipped without losing step,
 * and a header it cannot trust is a FramingError after which nothing more is read.
 */
import { describe, test } from 'node:test';
import * as assert from 'node:assert/strict';
import { PassThrough } from 'node:stream';
import { FramedMessageReader, FramingError, maxFrameBytes, parseFrameHeader } from '../../server/lsp/transport';

function frame(body: string, extraHeaders = ''): Buffer {
  return Buffer.from(`Content-Length: ${Buffer.byteLength(body)}\r\n${extraHeaders}\r\n${body}`);
}

function reading() {
  const input = new PassThrough();
  const reader = new FramedMessageReader(input);
  const messages: unknown[] = [];
  const errors: Error[] = [];
  let closed = false;
  reader.listen((message) => messages.push(message));
  reader.onError((error) => errors.push(error));
  reader.onClose(() => (closed = true));
  return { input, messages, errors, closed: () => closed };
}

const settle = () => new Promise((resolve) => setImmediate(resolve));

describe('FramedMessageReader', () => {
  test('frames fed one byte at a time arrive whole and in order, multi-byte UTF-8 included', async () => {
    const { input, messages, errors } = reading();
    const first = { jsonrpc: '2.0', id: 1, method: 'a', params: { text: 'héllo ✓ 𝄞' } };
    const second = { jsonrpc: '2.0', method: 'b' };
    const bytes = Buffer.concat([frame(JSON.stringify(first), 'Content-Type: application/vscode-jsonrpc; charset=utf-8\r\n'), frame(JSON.stringify(second))]);
    for (let index = 0; index < bytes.length; index++) {
      input.write(bytes.subarray(index, index + 1));
      await settle();
    }
    assert.deepEqual(errors, []);
    assert.deepEqual(messages, [first, second]);
  });

  test('a body that is not JSON is an error, not a FramingError, and the next frame is read', async () => {
    const { input, messages, errors } = reading();
    input.write(Buffer.concat([frame('{"jsonrpc": "2.0", "id": 9, "method": '), frame('{"jsonrpc":"2.0","method":"ok"}')]));
    await settle();
    assert.equal(errors.length, 1);
    assert.ok(!(errors[0] instanceof FramingError));
    assert.deepEqual(messages, [{ jsonrpc: '2.0', method: 'ok' }]);
  });

  test('after a FramingError nothing more is read', async () => {
    const { input, messages, errors } = reading();
    input.write('Content-Length: twelve\r\n\r\n');
    input.write(frame('{"jsonrpc":"2.0","method":"late"}'));
    await settle();
    assert.equal(errors.length, 1);
    assert.ok(errors[0] instanceof FramingError);
    assert.deepEqual(messages, []);
  });

  test('the end of the stream closes the reader', async () => {
    const state = reading();
    state.input.end();
    await settle();
    assert.equal(state.closed(), true);
  });
});

describe('parseFrameHeader', () => {
  test('reads Content-Length in any case, with other headers around it', () => {
    assert.equal(parseFrameHeader('Content-Length: 42'), 42);
    assert.equal(parseFrameHeader('content-length:7\r\nContent-Type: application/vscode-jsonrpc; charset=utf-8'), 7);
    assert.equal(parseFrameHeader('X-Other: a\r\nCONTENT-LENGTH:   0  '), 0);
    assert.equal(parseFrameHeader(`Content-Length: ${maxFrameBytes}`), maxFrameBytes);
  });

  test('refuses every length it cannot trust', () => {
    for (const [block, problem] of [
      ['Content-Length: abc', /whole number/],
      ['Content-Length: -5', /whole number/],
      ['Content-Length: 1e12', /whole number/],
      ['Content-Length: 0x10', /whole number/],
      ['Content-Length: 12.0', /whole number/],
      ['Content-Length: ', /whole number/],
      [`Content-Length: ${maxFrameBytes + 1}`, /over the .*-byte limit/],
      ['Content-Length: 99999999999999999999999', /over the .*-byte limit/],
      ['Content-Length: 5\r\nContent-Length: 6', /disagree/],
      ['Content-Type: application/vscode-jsonrpc', /without Content-Length/],
      ['', /is not "Name: value"/],
      ['Content-Length 5', /is not "Name: value"/],
      ['{"jsonrpc":"2.0"}', /is not "Name: value"/],
    ] as const) {
      assert.throws(() => parseFrameHeader(block), (error: Error) => error instanceof FramingError && problem.test(error.message), block);
    }
  });
});
