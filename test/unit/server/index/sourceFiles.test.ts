import { describe, test } from 'node:test';
import * as assert from 'node:assert/strict';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { FileRules, maxFileBytes, readSource, walkFolder } from '../../../../server/index/sourceFiles';
import { tempDir } from '../../../support/tempDir';

function tree(files: Record<string, string | Buffer>): string {
  const root = tempDir('index');
  for (const [name, content] of Object.entries(files)) {
    fs.mkdirSync(path.dirname(path.join(root, name)), { recursive: true });
    fs.writeFileSync(path.join(root, name), content);
  }
  return root;
}

async function walked(root: string, globs: string[] = []): Promise<string[]> {
  const found: string[] = [];
  for await (const file of walkFolder(new FileRules(root, globs), async () => undefined)) found.push(file);
  return found.sort();
}

describe('index source files', () => {
  test('.gitignore files (root, nested, negations, .git/info/exclude) and excluded globs leave files out', async () => {
    const root = tree({
      '.gitignore': 'dist/\n*.log.ts\n',
      '.git/info/exclude': 'local.ts\n',
      '.git/HEAD.ts': 'x',
      'src/app.ts': 'a',
      'src/notes.md': 'b',
      'src/image.png': 'c',
      'src/debug.log.ts': 'd',
      'src/gen/.gitignore': '*.ts\n!keep.ts\n',
      'src/gen/made.ts': 'e',
      'src/gen/keep.ts': 'f',
      'dist/out.js': 'g',
      'node_modules/lib/index.js': 'h',
      'local.ts': 'i',
      'secrets/token.ts': 'j',
      '.env.ts': 'k',
    });
    assert.deepEqual(await walked(root, ['**/secrets/**']), ['.env.ts', 'src/app.ts', 'src/gen/keep.ts', 'src/notes.md']);
    const rules = new FileRules(root, ['**/secrets/**']);
    assert.equal(await rules.ignores('src/gen/made.ts', false), true);
    assert.equal(await rules.ignores('src/gen/keep.ts', false), false);
    assert.equal(await rules.ignores('secrets/token.ts', false), true);
    assert.equal(await rules.ignores('dist/new.ts', false), true);
  });

  test('huge, binary, non-UTF-8 and minified files are skipped; unchanged ones are not read again', async () => {
    const root = tree({
      'ok.ts': 'const a = 1;\r\nconst b = 2;\n',
      'huge.ts': 'x'.repeat(maxFileBytes + 1),
      'nul.ts': Buffer.from([0x61, 0x00, 0x62]),
      'latin1.ts': Buffer.from([0x63, 0xe9, 0x20]),
      'min.js': `var a=${'1+'.repeat(600)}1;`,
    });
    const ok = await readSource(path.join(root, 'ok.ts'));
    assert.ok('text' in ok);
    assert.equal(ok.text, 'const a = 1;\nconst b = 2;\n');
    assert.deepEqual(await readSource(path.join(root, 'ok.ts'), ok.stamp), { unchanged: true });
    assert.deepEqual(await readSource(path.join(root, 'huge.ts')), { skipped: 'huge' });
    assert.deepEqual(await readSource(path.join(root, 'nul.ts')), { skipped: 'binary' });
    assert.deepEqual(await readSource(path.join(root, 'latin1.ts')), { skipped: 'binary' });
    assert.deepEqual(await readSource(path.join(root, 'min.js')), { skipped: 'minified' });
    assert.deepEqual(await readSource(path.join(root, 'gone.ts')), { missing: true });
  });
});
