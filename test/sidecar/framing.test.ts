/**
 * The sidecar's stdin framing against a hostile or broken client. A frame whose header cannot be trusted (no,
 * non-numeric, negative, absurd or short `Content-Length`, a header that is not one) leaves the byte stream
 * impossible to resynchronise, so the sidecar must exit at once, non-zero and saying why on stderr: the extension's
 * supervisor restarts a sidecar that exits, but not one that stays alive and silent. A well-framed body that is
 * not JSON leaves the stream in step, so there the sidecar keeps serving (see lsp.test.ts).
 */
import { describe, test } from 'node:test';
import * as assert from 'node:assert/strict';
import { statusRequest } from '../../server/protocol/contract';
import { startSidecar, type Sidecar } from './sidecarProcess';

const request = JSON.stringify({ jsonrpc: '2.0', id: 4242, method: 'rook/status' });

/** Waits for the process to exit; undefined when it is still running after `ms`. */
function exitWithin(sidecar: Sidecar, ms: number): Promise<{ code: number | null; signal: NodeJS.Signals | null } | undefined> {
  const child = sidecar.process;
  if (child.exitCode !== null || child.signalCode !== null) return Promise.resolve({ code: child.exitCode, signal: child.signalCode });
  return new Promise((resolve) => {
    const timer = setTimeout(() => resolve(undefined), ms);
    child.once('exit', (code, signal) => {
      clearTimeout(timer);
      resolve({ code, signal });
    });
  });
}

const malformedFrames: [string, string][] = [
  ['a non-numeric Content-Length', `Content-Length: abc\r\n\r\n${request}`],
  ['a missing Content-Length', `Content-Type: application/vscode-jsonrpc; charset=utf-8\r\n\r\n${request}`],
  ['a negative Content-Length', `Content-Length: -5\r\n\r\n${request}`],
  ['a short Content-Length', `Content-Length: 5\r\n\r\n${request}`],
  ['a Content-Length of 1e12', `Content-Length: 1e12\r\n\r\n${request}`],
  ['a Content-Length of a terabyte in digits', `Content-Length: 1000000000000\r\n\r\n${request}`],
  ['a fractional Content-Length', `Content-Length: 12.5\r\n\r\n${request}`],
  ['two Content-Length headers that disagree', `Content-Length: ${request.length}\r\nContent-Length: 3\r\n\r\n${request}`],
  ['a header line without a colon', `Content-Length ${request.length}\r\n\r\n${request}`],
  ['bare JSON with no header at all', request],
  ['headers ended by LF only', `Content-Length: ${request.length}\n\n${request}`],
  ['a header block that never ends', `Content-Length: ${request.length}\r\nX-Padding: ${'a'.repeat(20_000)}`],
];

describe('sidecar framing errors (rook lsp --stdio)', () => {
  for (const [name, frame] of malformedFrames) {
    test(`${name}: the sidecar exits non-zero with a message on stderr`, async () => {
      const sidecar = await startSidecar();
      try {
        // Still serving before the bad frame.
        assert.equal((await sidecar.connection.sendRequest(statusRequest)).state, 'starting');
        sidecar.process.stdin.write(frame);
        const exit = await exitWithin(sidecar, 2000);
        assert.ok(exit, `the sidecar was still running 2 s after ${name}; stderr: ${sidecar.stderr()}`);
        assert.notEqual(exit.code, 0, 'exits with a failure code, so the supervisor treats it as a crash');
        assert.equal(exit.signal, null);
        assert.match(sidecar.stderr(), /rook lsp: .*(Content-Length|header)/i);
      } finally {
        await sidecar.stop();
      }
    });
  }

  test('a frame that arrives in pieces, several frames in one write and a multi-byte body are all served', async () => {
    const sidecar = await startSidecar();
    try {
      const answers: unknown[] = [];
      const answered = new Promise<void>((resolve) =>
        sidecar.process.stdout.on('data', (chunk: Buffer) => {
          answers.push(...(chunk.toString().match(/"id":(\d+)/g) ?? []));
          if (answers.length >= 3) resolve();
        }),
      );
      const frame = (id: number, extra = '') => {
        const body = JSON.stringify({ jsonrpc: '2.0', id, method: 'rook/status', params: extra ? { note: extra } : undefined });
        return `Content-Length: ${Buffer.byteLength(body)}\r\nContent-Type: application/vscode-jsonrpc; charset=utf-8\r\n\r\n${body}`;
      };
      const split = frame(9001);
      for (const piece of [split.slice(0, 3), split.slice(3, 20), split.slice(20)]) {
        sidecar.process.stdin.write(piece);
        await new Promise((resolve) => setTimeout(resolve, 20));
      }
      sidecar.process.stdin.write(frame(9002, 'ünïcødé ✓ 𝄞') + frame(9003));
      await answered;
      assert.deepEqual(answers.sort(), ['"id":9001', '"id":9002', '"id":9003']);
      assert.equal(sidecar.process.exitCode, null);
      assert.equal((await sidecar.connection.sendRequest(statusRequest)).state, 'starting');
    } finally {
      await sidecar.stop();
    }
  });

  test('a well-framed body that is not a JSON-RPC message leaves the sidecar serving', async () => {
    const sidecar = await startSidecar();
    try {
      for (const body of ['not json', '42', 'null', '[]', '{"jsonrpc":"2.0","id":7}']) {
        sidecar.process.stdin.write(`Content-Length: ${Buffer.byteLength(body)}\r\n\r\n${body}`);
      }
      await new Promise((resolve) => setTimeout(resolve, 200));
      assert.equal(sidecar.process.exitCode, null, `the sidecar exited: ${sidecar.stderr()}`);
      assert.equal((await sidecar.connection.sendRequest(statusRequest)).state, 'starting');
    } finally {
      await sidecar.stop();
    }
  });

  test('when stdin closes without shutdown the sidecar exits with 1, as LSP says', async () => {
    const sidecar = await startSidecar();
    try {
      sidecar.process.stdin.end();
      const exit = await exitWithin(sidecar, 2000);
      assert.ok(exit, 'the sidecar outlived its client');
      assert.equal(exit.code, 1);
    } finally {
      await sidecar.stop();
    }
  });

  test('after a shutdown request, stdin closing ends the sidecar with 0', async () => {
    const sidecar = await startSidecar();
    try {
      await sidecar.connection.sendRequest('shutdown');
      sidecar.process.stdin.end();
      const exit = await exitWithin(sidecar, 2000);
      assert.ok(exit, 'the sidecar outlived its client');
      assert.equal(exit.code, 0);
    } finally {
      await sidecar.stop();
    }
  });
});
