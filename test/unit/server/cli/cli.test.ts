import { describe, test, before, after } from 'node:test';
import * as assert from 'node:assert/strict';
import { execFile } from 'node:child_process';
import { writeFile } from 'node:fs/promises';
import * as path from 'node:path';
import { promisify } from 'node:util';
import { copyFileSync, existsSync, writeFileSync } from 'node:fs';
import { benchScripts } from '../../../../server/cli/bench';
import { offsetOf } from '../../../../server/cli/complete';
import { startOpenAIServer, type OpenAIServer } from '../../../support/openaiServer';
import { tempDir } from '../../../support/tempDir';

const run = promisify(execFile);
const cli = path.resolve(__dirname, '../../../../../dist/rook.js');

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
    dir = tempDir('cli');
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

  test('without an endpoint, rook complete runs the embedded model offline', { timeout: 60_000 }, async () => {
    const file = path.join(dir, 'loop.py');
    await writeFile(file, 'def total(items):\n    result = 0\n    for item in items:\n        ');
    const env = { ...process.env };
    delete env.ROOK_ENDPOINT;
    const requestsBefore = server.requests.length;
    // --min-confidence 0 shows the suggestion however unsure the model is, so the model's raw output is checked.
    const { stdout } = await run(process.execPath, [cli, 'complete', file, '--line', '4', '--col', '9', '--min-confidence', '0'], { env });
    assert.ok(stdout.endsWith('\n'), 'prints the completion and a newline');
    assert.ok(stdout.trim().length > 0, 'the embedded model completed nothing');
    assert.equal(server.requests.length, requestsBefore, 'no request left the machine');
    // Nothing is ever that sure: the suggestion is held back, and stderr says so.
    const held = await run(process.execPath, [cli, 'complete', file, '--line', '4', '--col', '9', '--min-confidence', '1'], { env });
    assert.equal(held.stdout, '\n');
    assert.match(held.stderr, /a suggestion was held back: confidence 0\.\d\d < --min-confidence 1; 0 shows it/);
  });

  test('a local model folder that does not exist is named in the error', async () => {
    const env = { ...process.env };
    delete env.ROOK_ENDPOINT;
    await assert.rejects(run(process.execPath, [cli, 'chat', 'hi', '--model-dir', '/nonexistent/model'], { env }), (error: { stderr: string; code: number }) => {
      assert.equal(error.code, 1);
      assert.match(error.stderr, /\/nonexistent\/model does not exist/);
      return true;
    });
  });

  test("a model's chat template renders in the bundled worker: its answer, and its own error on stderr", async () => {
    const env = { ...process.env };
    delete env.ROOK_ENDPOINT;
    const model = tempDir('chat-template');
    const embedded = path.resolve(__dirname, '../../../../../models/rook-moe-mini');
    for (const file of ['config.json', 'model.onnx', 'tokenizer.json']) copyFileSync(path.join(embedded, file), path.join(model, file));
    writeFileSync(path.join(model, 'chat_template.jinja'), '{% for m in messages %}User: {{ m.content }}{% endfor %}\n\nAssistant:');
    const { stdout } = await run(process.execPath, [cli, 'chat', 'say hello', '--model-dir', model, '--max-tokens', '4'], { env });
    assert.ok(stdout.trim().length > 0, 'nothing answered');
    writeFileSync(path.join(model, 'chat_template.jinja'), "{{ raise_exception('this model does not chat') }}");
    await assert.rejects(run(process.execPath, [cli, 'chat', 'hi', '--model-dir', model, '--max-tokens', '4'], { env }), (error: { stderr: string; code: number }) => {
      assert.equal(error.code, 1);
      assert.match(error.stderr, /this model does not chat/);
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

describe('rook bench', () => {
  test('every benchmark it names is built into out/bench', () => {
    for (const [name, script] of Object.entries(benchScripts)) assert.ok(existsSync(path.resolve(__dirname, '../../../../bench', script)), `${name}: ${script}`);
  });

  test('an unknown benchmark exits 2 with the list of benchmarks', async () => {
    await assert.rejects(run(process.execPath, [cli, 'bench', 'nope']), (error: { code: number; stderr: string }) => {
      assert.equal(error.code, 2);
      assert.match(error.stderr, /unknown benchmark "nope"[\s\S]*rook bench <engine\|quant\|/);
      return true;
    });
  });
});
