/**
 * Cases cut from a repository's own files (`rook eval --repo`, `rook/compareModels`): which files are listed
 * (.gitignore at the root and nested, .git/info/exclude, Rook's excluded globs, .git, node_modules, symbolic links), which are
 * skipped when read (huge, binary, not UTF-8, minified), and that the same seed cuts the same cases.
 */
import assert from 'node:assert/strict';
import * as fs from 'node:fs';
import { tmpdir } from 'node:os';
import * as path from 'node:path';
import { after, before, describe, test } from 'node:test';
import { defaultExcludeGlobs } from '../../../../server/protocol/contract';
import { repoCases } from '../../../../server/eval/repoCases';
import { listRepoFiles } from '../../../../server/eval/repoFiles';
import { excludedByGlobs, maxFileBytes, readSource } from '../../../../server/index/sourceFiles';

const code = (name: string) =>
  [
    `export function ${name}(items: number[]): number {`,
    '  let total = 0;',
    '  for (const item of items) {',
    '    total += item * 2;',
    '    console.log(total, item);',
    '  }',
    '  return total;',
    '}',
    '',
    `export const ${name}Label = 'the ${name} of the items';`,
    '',
  ].join('\n');

let root: string;
let outside: string;

function write(relative: string, content: string | Buffer): void {
  const file = path.join(root, relative);
  fs.mkdirSync(path.dirname(file), { recursive: true });
  fs.writeFileSync(file, content);
}

before(() => {
  root = fs.mkdtempSync(path.join(tmpdir(), 'rook-repo-cases-'));
  outside = fs.mkdtempSync(path.join(tmpdir(), 'rook-repo-outside-'));
  fs.writeFileSync(path.join(outside, 'elsewhere.ts'), code('elsewhere'));
  write('.gitignore', 'build/\n*.gen.ts\n/local.ts\n');
  write('.git/info/exclude', 'scratch.ts\n');
  write('.git/hooks/hook.js', code('hook'));
  write('src/app.ts', code('app'));
  write('node_modules/lib/index.js', code('dependency'));
  write('src/util.py', 'def total(items):\n    result = 0\n    for item in items:\n        result += item\n    return result\n');
  write('src/types.gen.ts', code('generated'));
  write('src/nested/.gitignore', 'private.ts\n!kept.gen.ts\n');
  write('src/nested/private.ts', code('private'));
  write('src/nested/kept.gen.ts', code('kept'));
  write('src/nested/visible.ts', code('visible'));
  write('build/out.js', code('built'));
  write('local.ts', code('local'));
  write('scratch.ts', code('scratch'));
  write('secrets/token.ts', code('token'));
  write('config/.env.ts', code('env'));
  write('README.md', '# not code\n');
  write('binary.ts', Buffer.from([0x65, 0x78, 0x00, 0x70, 0x6f, 0x72, 0x74]));
  write('latin1.ts', Buffer.from('const caf\xe9 = 1;\n', 'latin1'));
  write('huge.ts', `${'const x = 1;\n'.repeat(Math.ceil(maxFileBytes / 13) + 10)}`);
  write('minified.js', `var a=${'1+'.repeat(2000)}1;\n`);
  fs.symlinkSync(outside, path.join(root, 'linked'));
  fs.symlinkSync(path.join(outside, 'elsewhere.ts'), path.join(root, 'link.ts'));
});

after(() => {
  fs.rmSync(root, { recursive: true, force: true });
  fs.rmSync(outside, { recursive: true, force: true });
});

describe('the files a repository offers', () => {
  test('.gitignore files (root and nested, with negation), .git/info/exclude, the excluded globs, .git, node_modules and links are left out', async () => {
    const listed = (await listRepoFiles(root, { excludeGlobs: defaultExcludeGlobs })).files.map((file) => file.path);
    assert.deepEqual(listed, ['binary.ts', 'huge.ts', 'latin1.ts', 'minified.js', 'src/app.ts', 'src/nested/kept.gen.ts', 'src/nested/visible.ts', 'src/util.py']);
  });

  test('each file carries its language, from its extension', async () => {
    const langs = Object.fromEntries((await listRepoFiles(root, { excludeGlobs: defaultExcludeGlobs })).files.map((file) => [file.path, file.lang]));
    assert.equal(langs['src/app.ts'], 'ts');
    assert.equal(langs['src/util.py'], 'py');
    assert.equal(langs['minified.js'], 'js');
  });

  test('more globs leave out more; the listing stops at maxFiles and says so', async () => {
    const listed = (await listRepoFiles(root, { excludeGlobs: [...defaultExcludeGlobs, 'src/nested/**', '**/*.py'] })).files.map((file) => file.path);
    assert.deepEqual(listed, ['binary.ts', 'huge.ts', 'latin1.ts', 'minified.js', 'src/app.ts']);
    const bounded = await listRepoFiles(root, { excludeGlobs: defaultExcludeGlobs, maxFiles: 3 });
    assert.equal(bounded.files.length, 3);
    assert.equal(bounded.truncated, true);
  });

  test("Rook's excluded globs are rook.completion.excludeGlobs's default, as package.json declares it", () => {
    const manifest = JSON.parse(fs.readFileSync(path.resolve(__dirname, '../../../../../package.json'), 'utf8'));
    assert.deepEqual(manifest.contributes.configuration.properties['rook.completion.excludeGlobs'].default, defaultExcludeGlobs);
  });

  test('globs match as VS Code matches them: dotfiles included, against the absolute path or the path from the root', () => {
    assert.ok(excludedByGlobs(['**/.env.*'], '/home/me/repo/config/.env.ts', 'config/.env.ts'));
    assert.ok(excludedByGlobs(['config/*.ts'], '/home/me/repo/config/a.ts', 'config/a.ts'));
    assert.ok(excludedByGlobs(['**/*.{pem,key}'], '/home/me/repo/a/b.key', 'a/b.key'));
    assert.ok(!excludedByGlobs(['**/secrets/**'], '/home/me/repo/src/secretsauce.ts', 'src/secretsauce.ts'));
  });

  test('files are listed in the order a depth-first walk by name meets them, a folder before a file named like it', async () => {
    const ordered = fs.mkdtempSync(path.join(tmpdir(), 'rook-repo-order-'));
    try {
      for (const file of ['a.ts', 'a/z.ts', 'a/b/c.ts', 'a-b.ts', 'b.ts', 'C.ts']) {
        fs.mkdirSync(path.dirname(path.join(ordered, file)), { recursive: true });
        fs.writeFileSync(path.join(ordered, file), code('ordered'));
      }
      const listed = (await listRepoFiles(ordered, { excludeGlobs: [] })).files.map((file) => file.path);
      assert.deepEqual(listed, ['C.ts', 'a/b/c.ts', 'a/z.ts', 'a-b.ts', 'a.ts', 'b.ts']);
    } finally {
      fs.rmSync(ordered, { recursive: true, force: true });
    }
  });

  test('huge, binary, non-UTF-8 and minified files are skipped when read', async () => {
    assert.deepEqual(await readSource(path.join(root, 'huge.ts')), { skipped: 'huge' });
    assert.deepEqual(await readSource(path.join(root, 'binary.ts')), { skipped: 'binary' });
    assert.deepEqual(await readSource(path.join(root, 'latin1.ts')), { skipped: 'binary' });
    assert.deepEqual(await readSource(path.join(root, 'minified.js')), { skipped: 'minified' });
    const app = await readSource(path.join(root, 'src/app.ts'));
    assert.ok('text' in app && app.text === code('app'));
  });
});

describe('cases cut from a repository', () => {
  const options = { excludeGlobs: defaultExcludeGlobs, count: 12, seed: 5 };

  test('come only from the listed, readable files, and putting the expected text back gives the file', async () => {
    const cut = await repoCases(root, options);
    assert.equal(cut.cases.length, 12);
    assert.equal(cut.files, 8);
    assert.deepEqual(cut.skipped, { binary: 2, huge: 1, minified: 1 });
    const readable = new Set(['src/app.ts', 'src/nested/kept.gen.ts', 'src/nested/visible.ts', 'src/util.py']);
    for (const evalCase of cut.cases) {
      const file = evalCase.id.slice(evalCase.id.indexOf(':') + 1);
      assert.ok(readable.has(file), `a case from ${file}`);
      const restored = evalCase.document.slice(0, evalCase.offset) + evalCase.expected + evalCase.document.slice(evalCase.offset);
      assert.equal(restored, fs.readFileSync(path.join(root, file), 'utf8'));
    }
  });

  test('alternate line and infill cases, spread over every readable file, with no case twice', async () => {
    const cut = await repoCases(root, options);
    assert.deepEqual(
      cut.cases.map((c) => c.task),
      Array.from({ length: 12 }, (_, i) => (i % 2 === 0 ? 'line' : 'infill')),
    );
    assert.equal(new Set(cut.cases.slice(0, 4).map((c) => c.id.split(':')[1])).size, 4, 'the first four cases come from four files');
    assert.equal(new Set(cut.cases.map((c) => `${c.id}@${c.offset}:${c.expected}`)).size, 12);
  });

  test('the same seed cuts the same cases; another seed other ones', async () => {
    const first = await repoCases(root, options);
    assert.deepEqual(await repoCases(root, options), first);
    assert.notDeepEqual((await repoCases(root, { ...options, seed: 6 })).cases, first.cases);
  });

  test('a repository with fewer positions than asked gives what it has; one with no code gives none', async () => {
    const small = fs.mkdtempSync(path.join(tmpdir(), 'rook-repo-small-'));
    try {
      fs.writeFileSync(path.join(small, 'one.ts'), 'export const answer = 42;\n');
      const cut = await repoCases(small, { ...options, count: 50 });
      assert.ok(cut.cases.length >= 1 && cut.cases.length < 50, `${cut.cases.length} cases`);
      assert.ok(cut.cases.every((c) => c.task === 'line'), 'a file with no indented block gives line cases only');
      fs.rmSync(path.join(small, 'one.ts'));
      fs.writeFileSync(path.join(small, 'notes.md'), '# notes\n');
      assert.deepEqual((await repoCases(small, options)).cases, []);
    } finally {
      fs.rmSync(small, { recursive: true, force: true });
    }
  });
});
