/**
 * `rook eval --repo` from the built dist/rook.js on a small fixture repository, with two candidates: the embedded
 * model's folder and an OpenAI-compatible server (the protocol test server, standing in for a remote engine). Both
 * answer the same cases through the completion path; the table, the progress bar, .gitignore, the seed and the key
 * handling are checked.
 */
import * as assert from 'node:assert/strict';
import { execFile } from 'node:child_process';
import * as fs from 'node:fs';
import { tmpdir } from 'node:os';
import * as path from 'node:path';
import { after, before, describe, test } from 'node:test';
import { promisify } from 'node:util';
import { startOpenAIServer, type OpenAIServer } from '../../../support/openaiServer';

const run = promisify(execFile);
const repoRoot = path.resolve(__dirname, '../../../../..');
const cli = path.join(repoRoot, 'dist', 'rook.js');
const embeddedModel = path.join(repoRoot, 'models', 'rook-moe-mini');
const apiKey = 'sk-test-never-printed-7f3a';
/** In a .gitignored file only: no prompt may ever carry it. */
const ignoredMarker = 'IGNORED_FILE_MARKER';

const source = (name: string) => `import { readFileSync } from 'node:fs';

export function ${name}(file: string): string[] {
  const text = readFileSync(file, 'utf8');
  const lines = text.split('\\n');
  return lines.filter((line) => line.trim() !== '');
}

export function count${name}(items: string[]): number {
  let total = 0;
  for (const item of items) {
    total += item.length;
  }
  return total;
}
`;

describe('rook eval --repo', () => {
  let server: OpenAIServer;
  let repo: string;

  before(async () => {
    server = await startOpenAIServer({
      reply: ({ path }) => (path === '/v1/completions' ? 'const x = 1;\n' : 'hi'),
      apiKey,
      logprobOf: () => -0.2,
      chunkSize: 3,
      chunkDelayMs: 2,
    });
    repo = fs.mkdtempSync(path.join(tmpdir(), 'rook-eval-repo-'));
    fs.writeFileSync(path.join(repo, '.gitignore'), 'generated/\n');
    fs.mkdirSync(path.join(repo, 'src'));
    fs.mkdirSync(path.join(repo, 'generated'));
    fs.writeFileSync(path.join(repo, 'src', 'lines.ts'), source('readLines'));
    fs.writeFileSync(path.join(repo, 'src', 'words.ts'), source('readWords'));
    fs.writeFileSync(path.join(repo, 'generated', 'out.ts'), source(ignoredMarker).repeat(4));
    fs.writeFileSync(path.join(repo, '.env'), `API_KEY=${ignoredMarker}\n`);
  });
  after(async () => {
    await server.close();
    fs.rmSync(repo, { recursive: true, force: true });
  });

  const evalRepo = (extra: string[] = []) =>
    run(process.execPath, [cli, 'eval', '--repo', repo, '--cases', '6', '--model-dir', embeddedModel, '--endpoint', server.baseUrl, ...extra], {
      env: { ...process.env, ROOK_API_KEY: apiKey, ROOK_ENDPOINT: '' },
      timeout: 120_000,
    });

  test('runs both candidates on the same cases and prints one row each, with a progress bar on stderr', { timeout: 180_000 }, async () => {
    const requestsBefore = server.requests.length;
    // Markdown is not code: the table written into the repository is never a case.
    const out = path.join(repo, 'table.md');
    const { stdout, stderr } = await evalRepo(['--out', out]);
    const lines = stdout.split('\n');
    assert.equal(lines[0], `# Models compared on ${path.basename(repo)}`);
    assert.equal(lines[2], '| candidate | where | cases | exact % | edit sim % | p50 ms | p95 ms | tokens/s | shown % |');
    const rows = lines.filter((line) => /^\| (local|openai) ·/.test(line)).map((line) => line.split(' | ').map((cell) => cell.replace(/^\| | \|$/g, '')));
    assert.equal(rows.length, 2, stdout);
    assert.deepEqual(rows.map((row) => row.slice(0, 3)), [
      ['local · rook-moe-mini', embeddedModel, '6'],
      ['openai · test-model', server.baseUrl, '6'],
    ]);
    for (const row of rows) {
      for (const cell of row.slice(3, 7)) assert.match(cell, /^\d+(\.\d)?$/, `a number in ${row.join(' | ')}`);
      assert.match(row[7], /^~?\d+\.\d$/, 'tokens/s measured from the streamed pieces');
    }
    // The server is sure of every token (logprob -0.2 each): all its suggestions pass the 0.5 threshold.
    assert.equal(rows[1][8], '100.0');
    assert.match(stdout, /3 line completions and 3 infills cut from 2 code files \(seed 1\)/);
    assert.match(stderr, /\[#{24}\] 12\/12 cases/);
    assert.equal(fs.readFileSync(out, 'utf8'), stdout);

    // (Besides the one-token probe for fill-in-the-middle that the engine sends once.)
    const completions = server.requests.slice(requestsBefore).filter((r) => r.path === '/v1/completions' && r.body.max_tokens > 1);
    assert.equal(completions.length, 7, 'six cases and one untimed warm-up');
    assert.ok(completions.every((r) => r.headers.authorization === `Bearer ${apiKey}`), 'the key from ROOK_API_KEY is sent');
    assert.ok(!stdout.includes(apiKey) && !stderr.includes(apiKey), 'the key is never printed');
    assert.ok(completions.every((r) => !JSON.stringify(r.body).includes(ignoredMarker)), 'no case comes from a .gitignored or excluded file');
  });

  test('the same seed sends the same prompts; another seed other ones', { timeout: 240_000 }, async () => {
    const prompts = async (extra: string[]) => {
      const before = server.requests.length;
      await evalRepo(extra);
      return server.requests.slice(before).filter((r) => r.path === '/v1/completions' && r.body.max_tokens > 1).map((r) => [r.body.prompt, r.body.suffix]);
    };
    const first = await prompts(['--seed', '3']);
    assert.deepEqual(await prompts(['--seed', '3']), first);
    assert.notDeepEqual(await prompts(['--seed', '4']), first);
  });

  test('an endpoint that is down stops its own row with the reason; the other candidate still runs', { timeout: 120_000 }, async () => {
    const { stdout } = await run(process.execPath, [cli, 'eval', '--repo', repo, '--cases', '2', '--endpoint', 'http://127.0.0.1:9/v1', '--model-dir', embeddedModel], { timeout: 120_000 });
    assert.match(stdout, /\| local · rook-moe-mini \| .* \| 2 \|/);
    assert.match(stdout, /\| openai · \? \| http:\/\/127\.0\.0\.1:9\/v1 \| 0 \|/);
    assert.match(stdout, /stopped: .*127\.0\.0\.1:9/);
  });

  test('mistakes are usage errors: no --repo value, a folder that does not exist, --cases out of range', async () => {
    for (const [args, message] of [
      [['--repo'], /rook eval: Option '--repo <value>' argument missing/],
      [['--repo', repo, '--cases', '0'], /--cases must be a whole number from 1 to 1000/],
      [['--repo', repo, '--min-confidence', '2'], /--min-confidence must be a number from 0 to 1/],
    ] as const) {
      await assert.rejects(run(process.execPath, [cli, 'eval', ...args]), (error: { code: number; stderr: string }) => {
        assert.equal(error.code, 2, error.stderr);
        assert.match(error.stderr, message);
        return true;
      });
    }
    await assert.rejects(run(process.execPath, [cli, 'eval', '--repo', path.join(repo, 'nope')]), (error: { code: number; stderr: string }) => {
      assert.equal(error.code, 1);
      assert.match(error.stderr, /nope: no such folder \(--repo\)/);
      return true;
    });
  });
});
