/**
 * The `rook` command line's own surface, against the built dist/rook.js: every command answers --help and -h with
 * its usage (exit 0, nothing run), --max-tokens is documented and checked wherever it is taken, mistakes exit 2
 * with the command's usage, and `rook eval` without its (unshipped) default corpus says how to get one.
 */
import { describe, test, before, after } from 'node:test';
import * as assert from 'node:assert/strict';
import { execFile } from 'node:child_process';
import { existsSync } from 'node:fs';
import { writeFile } from 'node:fs/promises';
import * as path from 'node:path';
import { promisify } from 'node:util';
import { startOpenAIServer, type OpenAIServer } from '../../../support/openaiServer';
import { tempDir } from '../../../support/tempDir';

const execFileAsync = promisify(execFile);
const cli = path.resolve(__dirname, '../../../../../dist/rook.js');
const commands = ['lsp', 'complete', 'chat', 'serve', 'eval', 'convert', 'bench'];

interface Outcome {
  code: number;
  stdout: string;
  stderr: string;
}

async function rook(args: string[], options: { cwd?: string; env?: NodeJS.ProcessEnv } = {}): Promise<Outcome> {
  try {
    const { stdout, stderr } = await execFileAsync(process.execPath, [cli, ...args], { timeout: 20_000, ...options });
    return { code: 0, stdout, stderr };
  } catch (error) {
    const failed = error as { code: number; stdout: string; stderr: string };
    return { code: failed.code, stdout: failed.stdout, stderr: failed.stderr };
  }
}

describe('rook --help', () => {
  for (const command of commands) {
    test(`rook ${command} --help and -h print its usage and exit 0`, async () => {
      const long = await rook([command, '--help']);
      assert.equal(long.code, 0, long.stderr);
      assert.match(long.stdout, new RegExp(`^Usage: rook ${command}\\b`));
      assert.equal(long.stderr, '');
      const short = await rook([command, '-h']);
      assert.equal(short.code, 0, short.stderr);
      assert.equal(short.stdout, long.stdout);
      const viaHelp = await rook(['help', command]);
      assert.equal(viaHelp.code, 0);
      assert.equal(viaHelp.stdout, long.stdout);
    });
  }

  test('--help wins over whatever else is on the line, and runs nothing', async () => {
    for (const args of [
      ['complete', 'missing.ts', '--line', 'x', '--help'],
      ['chat', '--max-tokens', '0', '-h', 'hello'],
      ['eval', '--corpus', '/nonexistent', '--help'],
      ['bench', 'quant', '--help'],
      ['convert', '/nonexistent', '-h'],
      ['lsp', '--stdio', '--help'],
    ]) {
      const outcome = await rook(args);
      assert.equal(outcome.code, 0, `${args.join(' ')}: ${outcome.stderr}`);
      assert.match(outcome.stdout, new RegExp(`^Usage: rook ${args[0]}\\b`), args.join(' '));
    }
  });

  test('rook, rook --help and rook help list every command and point at their --help', async () => {
    for (const args of [[], ['--help'], ['-h'], ['help']]) {
      const outcome = await rook(args);
      assert.equal(outcome.code, 0);
      for (const command of commands) assert.match(outcome.stdout, new RegExp(`rook ${command}\\b`));
      assert.match(outcome.stdout, /rook <command> --help/);
    }
    const unknown = await rook(['help', 'frobnicate']);
    assert.equal(unknown.code, 2);
    assert.match(unknown.stderr, /unknown command "frobnicate"/);
  });

  test('an unknown option exits 2 with the command usage, not a stack trace', async () => {
    for (const command of ['complete', 'chat', 'eval', 'convert']) {
      const outcome = await rook([command, '--frobnicate']);
      assert.equal(outcome.code, 2, `${command}: ${outcome.stderr}`);
      assert.match(outcome.stderr, new RegExp(`^rook ${command}: Unknown option '--frobnicate'[\\s\\S]*Usage: rook ${command}`));
      assert.doesNotMatch(outcome.stderr, /\n\s+at /);
    }
  });
});

describe('rook --max-tokens', () => {
  let server: OpenAIServer;
  let dir: string;
  let file: string;

  before(async () => {
    server = await startOpenAIServer({ reply: ({ path }) => (path === '/v1/completions' ? ' + b;' : 'Hello') });
    dir = tempDir('cli-usage');
    file = path.join(dir, 'sum.js');
    await writeFile(file, 'const a = 1, b = 2;\nconst sum = a\n');
  });
  after(() => server.close());

  const withMaxTokens = (command: string, value: string) => {
    switch (command) {
      case 'complete':
        return ['complete', file, '--line', '2', '--col', '14', '--endpoint', server.baseUrl, `--max-tokens=${value}`];
      case 'chat':
        return ['chat', 'hi', '--endpoint', server.baseUrl, `--max-tokens=${value}`];
      default:
        return ['eval', '--corpus', '/nonexistent/eval.jsonl', '--out', path.join(dir, 'eval-out'), `--max-tokens=${value}`];
    }
  };

  for (const command of ['complete', 'chat', 'eval']) {
    test(`rook ${command} documents --max-tokens and refuses values outside 1..1024`, async () => {
      const help = await rook([command, '--help']);
      assert.match(help.stdout, /--max-tokens N +longest .*, in tokens: a whole number from 1 to 1024 \(default \d+\)/);
      assert.match(help.stdout.split('\n')[0], /\[--max-tokens N\]/);
      const requests = server.requests.length;
      for (const value of ['0', '-1', '1025', 'abc', '1.5', '1e3', '']) {
        const outcome = await rook(withMaxTokens(command, value));
        assert.equal(outcome.code, 2, `--max-tokens ${JSON.stringify(value)}: ${outcome.stderr}`);
        assert.match(outcome.stderr, new RegExp(`^rook ${command}: --max-tokens must be a whole number from 1 to 1024; got ${JSON.stringify(JSON.stringify(value)).slice(1, -1)}\\.`));
        assert.doesNotMatch(outcome.stderr, /\n\s+at /);
      }
      assert.equal(server.requests.length, requests, 'nothing reached the engine');
    });
  }

  test('a valid --max-tokens reaches the engine', async () => {
    const chat = await rook(withMaxTokens('chat', '7'));
    assert.equal(chat.code, 0, chat.stderr);
    assert.equal(server.requests.filter((r) => r.path === '/v1/chat/completions').at(-1)!.body.max_tokens, 7);
    // (A single-line completion asks for at most 20 tokens whatever the flag says, so 3 shows the flag.)
    const complete = await rook(withMaxTokens('complete', '3'));
    assert.equal(complete.code, 0, complete.stderr);
    assert.equal(server.requests.filter((r) => r.path === '/v1/completions').at(-1)!.body.max_tokens, 3);
  });
});

describe('rook eval without its corpus', () => {
  test('with no arguments and no training/data/eval.jsonl it says how to get one, exits 1, and writes nothing', async () => {
    const cwd = tempDir('eval');
    const outcome = await rook(['eval'], { cwd });
    assert.equal(outcome.code, 1);
    assert.equal(outcome.stdout, '');
    assert.match(outcome.stderr, /^rook: training\/data\/eval\.jsonl \(.*training\/data\/eval\.jsonl\): no held-out corpus there \(rook eval's default corpus is not in the repository\)/);
    assert.match(outcome.stderr, /`\/usr\/bin\/python3 training\/corpus\.py`/);
    assert.match(outcome.stderr, /training\/README\.md/);
    assert.match(outcome.stderr, /--corpus FILE: JSON lines \{"package", "path", "lang", "text"\}/);
    assert.doesNotMatch(outcome.stderr, /\n\s+at /, 'no stack trace');
    assert.equal(existsSync(path.join(cwd, 'bench')), false, 'no results folder');
  });

  test('a --corpus that does not exist is named, with what to pass instead', async () => {
    const outcome = await rook(['eval', '--corpus', '/nonexistent/held-out.jsonl']);
    assert.equal(outcome.code, 1);
    assert.match(outcome.stderr, /^rook: \/nonexistent\/held-out\.jsonl: held-out corpus not found\. Pass --corpus FILE/);
  });

  test('its other number flags are checked too', async () => {
    for (const [flag, value] of [
      ['--cases', '0'],
      ['--seed', '-1'],
      ['--threads', 'many'],
    ]) {
      const outcome = await rook(['eval', `${flag}=${value}`]);
      assert.equal(outcome.code, 2, `${flag} ${value}`);
      assert.match(outcome.stderr, new RegExp(`^rook eval: ${flag} must be a whole number`));
    }
  });
});
