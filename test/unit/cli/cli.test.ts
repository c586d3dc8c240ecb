import { describe, test, before, after } from 'node:test';
import * as assert from 'node:assert/strict';
import { execFile } from 'node:child_process';
import { mkdtemp, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import * as path from 'node:path';
import { promisify } from 'node:util';
import { offsetOf } from '../../../server/cli/complete';
import { startOpenAIServer, type OpenAIServer } from '../../support/openaiServer';

const run = promisify(execFile);
const cli = path.resolve(__dirname, '../../../../dist/rook.js');

describe('offsetOf', () => {
  test('maps 1-based line and column to an offset', () => assert.equal(offsetOf('ab\ncd\n', 2, 2), 4));
  test('allows the column after the last character', () => assert.equal(offsetOf('ab\ncd', 2, 3), 5));
  test('rejects a line outside the file', () => assert.throws(() => offsetOf('a\nb', 5, 1), /--line 5 is outside the file \(1-2\)/));
  test('rejects a column outside the line', () => assert.throws(() => offsetOf('abc', 1, 9), /--col 9 is outside line 1/));
});

describe('rook CLI', () => {
  let server: OpenAIServer;
  let dir: string;

  before(async () => {
    server = await startOpenAIServer({ reply: ({ path }) => (path === '/v1/completions' ? ' + b;\nnext()' : 'Hello from chat') });
    dir = await mkdtemp(path.join(tmpdir(), 'rook-cli-'));
  });
  after(() => server.close());

  test('rook complete prints the ghost text for a file position', async () => {
    const file = path.join(dir, 'sum.js');
    await writeFile(file, 'const a = 1, b = 2;\nconst sum = a\n');
    const { stdout } = await run(process.execPath, [cli, 'complete', file, '--line', '2', '--col', '14', '--endpoint', server.baseUrl]);
    assert.equal(stdout, ' + b;\n');
    assert.equal(server.requests.at(-1)!.body.prompt, 'const a = 1, b = 2;\nconst sum = a');
  });

  test('rook chat streams the answer to stdout', async () => {
    const { stdout } = await run(process.execPath, [cli, 'chat', 'say hello'], { env: { ...process.env, ROOK_ENDPOINT: server.baseUrl } });
    assert.equal(stdout, 'Hello from chat\n');
  });

  test('without an endpoint the CLI says how to give one', async () => {
    const env = { ...process.env };
    delete env.ROOK_ENDPOINT;
    await assert.rejects(run(process.execPath, [cli, 'chat', 'hi'], { env }), (error: { stderr: string; code: number }) => {
      assert.equal(error.code, 1);
      assert.match(error.stderr, /--endpoint URL or set ROOK_ENDPOINT/);
      return true;
    });
  });

  test('an unknown command prints usage and exits 2', async () => {
    await assert.rejects(run(process.execPath, [cli, 'frobnicate']), (error: { stderr: string; code: number }) => {
      assert.equal(error.code, 2);
      assert.match(error.stderr, /Usage:/);
      return true;
    });
  });
});
