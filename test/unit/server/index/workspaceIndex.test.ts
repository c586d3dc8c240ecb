import { describe, test } from 'node:test';
import * as assert from 'node:assert/strict';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { pathToFileURL } from 'node:url';
import { Bm25Index } from '../../../../server/index/bm25';
import { indexFile, loadIndex, saveIndex } from '../../../../server/index/persistence';
import { WorkspaceIndex } from '../../../../server/index/workspaceIndex';
import { tempDir } from '../../../support/tempDir';

async function ready(index: WorkspaceIndex): Promise<void> {
  for (let waited = 0; index.status().state !== 'ready'; waited += 20) {
    if (waited > 10_000) throw new Error('the index did not get ready');
    await new Promise((resolve) => setTimeout(resolve, 20));
  }
}

function workspace(): string {
  const root = tempDir('ws');
  fs.mkdirSync(path.join(root, 'src', 'billing'), { recursive: true });
  fs.writeFileSync(path.join(root, 'src', 'billing', 'tax.ts'), 'export function computeVatRate(country: string): number {\n  return country === "DE" ? 0.19 : 0.2;\n}\n');
  fs.writeFileSync(path.join(root, 'src', 'app.ts'), 'import { computeVatRate } from "./billing/tax";\nconsole.log(computeVatRate("DE"));\n');
  fs.writeFileSync(path.join(root, '.env'), 'computeVatRate=secret\n');
  return root;
}

describe('workspace index', () => {
  test('indexes a folder, searches with text, narrows to a folder, skips a file, follows changes', async () => {
    const root = workspace();
    const index = new WorkspaceIndex(undefined, () => undefined);
    index.configure([root], { enabled: true, excludeGlobs: ['**/.env'] });
    await ready(index);
    assert.deepEqual({ ...index.status(), skipped: {} }, { state: 'ready', files: 2, chunks: 2, skipped: {} });
    const found = await index.search(['computevatrate'], { limit: 5 });
    assert.deepEqual(found.map((chunk) => chunk.path).sort(), ['src/app.ts', 'src/billing/tax.ts']);
    const tax = found.find((chunk) => chunk.path === 'src/billing/tax.ts')!;
    assert.equal(tax.uri, pathToFileURL(path.join(root, 'src/billing/tax.ts')).href);
    assert.match(tax.text, /^export function computeVatRate/);
    assert.deepEqual((await index.search(['computevatrate'], { limit: 5, within: 'src/billing' })).map((chunk) => chunk.path), ['src/billing/tax.ts']);
    assert.deepEqual((await index.search(['computevatrate'], { limit: 5, within: `${path.basename(root)}/src/billing/` })).map((chunk) => chunk.path), ['src/billing/tax.ts']);
    assert.deepEqual((await index.search(['computevatrate'], { limit: 5, skipUri: tax.uri })).map((chunk) => chunk.path), ['src/app.ts']);

    fs.writeFileSync(path.join(root, 'src', 'billing', 'tax.ts'), 'export function computeSalesTax(amount: number) {\n  return amount * 0.2;\n}\n');
    index.fileChanged(path.join(root, 'src', 'billing', 'tax.ts'));
    fs.writeFileSync(path.join(root, 'src', 'new.py'), 'def compute_sales_tax_total(items):\n    return sum(items)\n');
    index.fileChanged(path.join(root, 'src', 'new.py'));
    await ready(index);
    assert.deepEqual((await index.search(['computesalestax'], { limit: 5 })).map((chunk) => chunk.path), ['src/billing/tax.ts']);
    // app.ts names "tax" in its import.
    assert.deepEqual((await index.search(['sales', 'tax'], { limit: 5 })).map((chunk) => chunk.path).sort(), ['src/app.ts', 'src/billing/tax.ts', 'src/new.py']);

    // Git's own files and files the index does not read change nothing.
    fs.mkdirSync(path.join(root, '.git'));
    fs.writeFileSync(path.join(root, '.git', 'index'), 'x');
    index.fileChanged(path.join(root, '.git', 'index'));
    fs.writeFileSync(path.join(root, 'LICENSE'), 'x');
    index.fileChanged(path.join(root, 'LICENSE'));
    assert.equal(index.status().state, 'ready');
    // A deleted folder (reported alone, as VS Code does) and a .gitignore change both lead to a walk.
    fs.rmSync(path.join(root, 'src', 'billing'), { recursive: true });
    index.fileChanged(path.join(root, 'src', 'billing'));
    await ready(index);
    fs.writeFileSync(path.join(root, '.gitignore'), '*.py\n');
    index.fileChanged(path.join(root, '.gitignore'));
    await ready(index);
    assert.deepEqual([...(await index.search(['computevatrate', 'sales', 'tax'], { limit: 5 }))].map((chunk) => chunk.path), ['src/app.ts']);

    index.configure([root], { enabled: false, excludeGlobs: [] });
    assert.equal(index.status().state, 'off');
    assert.deepEqual(await index.search(['computevatrate'], { limit: 5 }), []);
  });

  test('saved on exit and loaded on the next start, which re-reads only changed files', async () => {
    const root = workspace();
    const storage = tempDir('store');
    const first = new WorkspaceIndex(storage, () => undefined);
    first.configure([root], { enabled: true, excludeGlobs: [] });
    await ready(first);
    await first.dispose();
    assert.ok(fs.existsSync(indexFile(storage, root)));

    fs.writeFileSync(path.join(root, 'src', 'app.ts'), 'export const renamedThing = 1;\n');
    const logs: string[] = [];
    const second = new WorkspaceIndex(storage, (line) => logs.push(line));
    second.configure([root], { enabled: true, excludeGlobs: [] });
    await ready(second);
    assert.match(logs.join('\n'), /from the saved index/);
    assert.deepEqual((await second.search(['renamedthing'], { limit: 5 })).map((chunk) => chunk.path), ['src/app.ts']);
    assert.deepEqual((await second.search(['computevatrate'], { limit: 5 })).map((chunk) => chunk.path), ['src/billing/tax.ts']);
    await second.dispose();
  });

  test('a damaged or foreign saved index is ignored', async () => {
    const storage = tempDir('store');
    const index = new Bm25Index();
    index.setFile('a.ts', '1:1', [{ firstLine: 0, lastLine: 0, terms: ['alpha'] }]);
    await saveIndex(storage, '/some/root', index.snapshot());
    assert.ok(await loadIndex(storage, '/some/root'));
    assert.equal(await loadIndex(storage, '/other/root'), undefined);
    const file = indexFile(storage, '/some/root');
    fs.writeFileSync(file, fs.readFileSync(file).subarray(0, 40));
    assert.equal(await loadIndex(storage, '/some/root'), undefined);
  });

  test('reports its status when its state changes: indexing, ready, indexing a changed file, ready, off', async () => {
    const root = workspace();
    const reported: string[] = [];
    const index = new WorkspaceIndex(undefined, () => undefined, (status) => reported.push(`${status.state} ${status.files}`));
    index.configure([root], { enabled: true, excludeGlobs: ['**/.env'] });
    // On a slow machine a walk may last past a second, and its counts be reported between: the changes of state are what counts.
    const changes = () => reported.filter((entry, i) => i === 0 || entry.split(' ')[0] !== reported[i - 1].split(' ')[0]);
    await ready(index);
    assert.deepEqual(changes(), ['indexing 0', 'ready 2']);
    fs.writeFileSync(path.join(root, 'src', 'more.ts'), 'export const more = 1;\n');
    index.fileChanged(path.join(root, 'src', 'more.ts'));
    await ready(index);
    index.configure([root], { enabled: false, excludeGlobs: ['**/.env'] });
    assert.deepEqual(changes(), ['indexing 0', 'ready 2', 'indexing 2', 'ready 3', 'off 0']);
    await index.dispose();
  });
});
