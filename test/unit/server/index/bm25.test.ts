import { describe, test } from 'node:test';
import * as assert from 'node:assert/strict';
import { Bm25Index, maxVisits } from '../../../../server/index/bm25';
import { terms } from '../../../../server/index/terms';

const chunk = (firstLine: number, text: string) => ({ firstLine, lastLine: firstLine + text.split('\n').length - 1, terms: terms(text) });

function sampleIndex(): Bm25Index {
  const index = new Bm25Index();
  index.setFile('src/invoice.ts', '1:10', [chunk(0, 'export function parseInvoice(text: string): Invoice {\n  return { total: readTotal(text) };\n}')]);
  index.setFile('src/total.ts', '1:20', [chunk(0, 'export function readTotal(text: string): number {\n  return Number(text);\n}'), chunk(16, 'export const currency = "EUR";')]);
  index.setFile('src/user.ts', '1:30', [chunk(0, 'export interface User { name: string; email: string }\nexport function userName(user: User) { return user.name; }')]);
  return index;
}

describe('BM25 index', () => {
  test('ranking golden: the chunk defining the rarest query name comes first, equal scores in path order', () => {
    const hits = sampleIndex().search(['readtotal', 'text'], 5);
    assert.deepEqual(hits.map((hit) => `${hit.path}:${hit.firstLine}`), ['src/total.ts:0', 'src/invoice.ts:0']);
    assert.ok(hits[0].score > hits[1].score);
    // Parts of names match too: "user name" finds userName's chunk.
    assert.deepEqual(sampleIndex().search(terms('user name'), 1).map((hit) => hit.path), ['src/user.ts']);
    assert.deepEqual(sampleIndex().search(['nosuchname'], 5), []);
  });

  test('accept narrows the files searched; limit bounds the hits', () => {
    const index = sampleIndex();
    assert.deepEqual(index.search(['text'], 5, (path) => path !== 'src/total.ts').map((hit) => hit.path), ['src/invoice.ts']);
    assert.equal(index.search(['text', 'export'], 1).length, 1);
  });

  test('a file re-indexed or removed leaves no hit behind, before and after compaction', () => {
    const index = sampleIndex();
    index.setFile('src/total.ts', '2:20', [chunk(0, 'export function sumTotal(values: number[]) { return 0; }')]);
    assert.deepEqual(index.search(['readtotal'], 5).map((hit) => hit.path), ['src/invoice.ts']);
    index.removeFile('src/invoice.ts');
    assert.deepEqual(index.search(['readtotal'], 5), []);
    assert.equal(index.fileCount, 2);
    assert.equal(index.chunkCount, 2);
    assert.equal(index.compact(() => true), true);
    assert.deepEqual(index.search(['sumtotal'], 5).map((hit) => hit.path), ['src/total.ts']);
    // Freed ids are reused without reviving the old postings.
    index.setFile('src/new.ts', '1:1', [chunk(0, 'const fresh = 1;'), chunk(16, 'const other = 2;')]);
    assert.deepEqual(index.search(['readtotal', 'parseinvoice'], 5), []);
    assert.deepEqual(index.search(['fresh'], 5).map((hit) => hit.path), ['src/new.ts']);
  });

  test('compaction runs in slices: a pass stopped early goes on where it stopped', () => {
    const index = new Bm25Index();
    for (let file = 0; file < 40; file++) index.setFile(`f${file}.ts`, '1', [chunk(0, Array.from({ length: 30 }, (_, i) => `const name${file}x${i} = ${i};`).join('\n'))]);
    for (let file = 0; file < 39; file++) index.removeFile(`f${file}.ts`);
    assert.equal(index.needsCompaction, false, 'under the floor of dead postings');
    let slices = 0;
    let allowed = 0;
    while (!index.compact(() => allowed-- > 0)) {
      allowed = 1;
      slices++;
    }
    assert.ok(slices > 1, `finished in ${slices} slices`);
    assert.deepEqual(index.search(['name39x3'], 5).map((hit) => hit.path), ['f39.ts']);
  });

  test('a snapshot restores the same hits and stamps, and takes updates after', () => {
    const restored = Bm25Index.fromSnapshot(structuredClone(sampleIndex().snapshot()));
    assert.deepEqual(restored.search(['readtotal', 'text'], 5), sampleIndex().search(['readtotal', 'text'], 5));
    assert.equal(restored.stampOf('src/total.ts'), '1:20');
    restored.setFile('src/more.ts', '1:1', [chunk(0, 'const invoiceTotal = readTotal(input);')]);
    // The shortest chunk naming it ranks first (BM25's length normalization).
    assert.deepEqual(restored.search(['readtotal'], 5).map((hit) => hit.path), ['src/more.ts', 'src/total.ts', 'src/invoice.ts']);
  });

  test('a query reads its rarest terms first and stops at the visit budget', () => {
    const index = new Bm25Index();
    const shared = ['shared'];
    index.setFile('big.ts', '1', Array.from({ length: maxVisits + 10 }, (_, line) => ({ firstLine: line, lastLine: line, terms: shared })));
    index.setFile('rare.ts', '1', [{ firstLine: 0, lastLine: 0, terms: ['shared', 'rare'] }]);
    // "shared" is past the budget once the rare term is read: only rare.ts scores, though every chunk has "shared".
    assert.deepEqual(index.search(['shared', 'rare'], 3).map((hit) => hit.path), ['rare.ts']);
  });
});
