import { describe, test } from 'node:test';
import * as assert from 'node:assert/strict';
import { unusableContentReason } from '../../../../server/completion/contentCheck';
import { RecentEdits } from '../../../../server/completion/recentEdits';
import { identifiers, jaccard } from '../../../../server/completion/similarity';
import { coveredShare, cursorWindow, formatSnippets, SnippetIndex, type OpenDocument } from '../../../../server/completion/snippets';

function doc(uri: string, text: string, version = 1): OpenDocument {
  return { uri, version, languageId: 'typescript', getText: () => text };
}

const filler = (n: number) => Array.from({ length: n }, (_, i) => `const unrelated${i} = ${i};`).join('\n');

describe('similarity', () => {
  test('identifiers skip single letters; jaccard is shared over all', () => {
    assert.deepEqual([...identifiers('const a = userName + x.userId;')].sort(), ['const', 'userId', 'userName']);
    assert.equal(jaccard(new Set(['a', 'b']), new Set(['b', 'c'])), 1 / 3);
    assert.equal(jaccard(new Set(), new Set(['a'])), 0);
  });
});

describe('SnippetIndex', () => {
  const related = 'export function parseInvoice(raw: string): Invoice {\n  const invoiceLines = raw.split(lineBreak);\n  return { invoiceLines, total: sumTotal(invoiceLines) };\n}';
  const documents = [doc('file:///a/other.ts', filler(30) + '\n' + related + '\n' + filler(30)), doc('file:///a/noise.ts', filler(40)), doc('file:///a/current.ts', related)];
  const window = 'function renderInvoice(raw: string) {\n  const invoiceLines = parseInvoice(raw).invoiceLines;';

  test('picks the window of another file that shares the cursor\'s identifiers, never the current file', () => {
    const snippets = new SnippetIndex(new RecentEdits()).select(documents, 'file:///a/current.ts', window, 2000);
    assert.ok(snippets.length >= 1);
    assert.equal(snippets[0].uri, 'file:///a/other.ts');
    assert.ok(snippets[0].text.includes('parseInvoice'));
    assert.ok(snippets.every((snippet) => snippet.uri !== 'file:///a/current.ts'));
  });

  test('stays within the character budget', () => {
    const snippets = new SnippetIndex(new RecentEdits()).select(documents, 'file:///a/current.ts', window, 700);
    assert.ok(snippets.reduce((sum, snippet) => sum + snippet.text.length, 0) <= 700);
  });

  test('a recently edited region ranks above an equally similar one', () => {
    const edits = new RecentEdits();
    const twins = [doc('file:///a/one.ts', related), doc('file:///a/two.ts', related)];
    edits.note('file:///a/two.ts', 1);
    const snippets = new SnippetIndex(edits).select(twins, 'file:///a/current.ts', window, 2000);
    assert.equal(snippets[0].uri, 'file:///a/two.ts');
  });

  test('a window that is mostly a definition already in the prompt gives way to the next best one', () => {
    const twins = [doc('file:///a/one.ts', related), doc('file:///a/two.ts', related)];
    const all = new SnippetIndex(new RecentEdits()).select(twins, 'file:///a/current.ts', window, 2000);
    assert.deepEqual(all.map((snippet) => snippet.uri), ['file:///a/one.ts', 'file:///a/two.ts']);
    const definition = { uri: 'file:///a/one.ts', firstLine: 0, lastLine: 2 };
    const deduplicated = new SnippetIndex(new RecentEdits()).select(twins, 'file:///a/current.ts', window, 2000, [definition]);
    assert.deepEqual(deduplicated.map((snippet) => snippet.uri), ['file:///a/two.ts']);
  });

  test('binary documents give no snippets', () => {
    const snippets = new SnippetIndex(new RecentEdits()).select([doc('file:///a/blob.bin', 'parseInvoice\u0000invoiceLines')], 'file:///x', window, 2000);
    assert.deepEqual(snippets, []);
  });
});

describe('coveredShare', () => {
  const snippet = { uri: 'file:///a/b.ts', firstLine: 10, text: 'l10\nl11\nl12\nl13', score: 1 };
  test('counts the snippet lines inside ranges of its own file, overlapping ranges once', () => {
    assert.equal(coveredShare(snippet, []), 0);
    assert.equal(coveredShare(snippet, [{ uri: 'file:///a/b.ts', firstLine: 12, lastLine: 20 }]), 0.5);
    assert.equal(coveredShare(snippet, [{ uri: 'file:///a/b.ts', firstLine: 0, lastLine: 10 }, { uri: 'file:///a/b.ts', firstLine: 10, lastLine: 11 }]), 0.5);
    assert.equal(coveredShare(snippet, [{ uri: 'file:///a/other.ts', firstLine: 0, lastLine: 99 }]), 0);
    assert.equal(coveredShare(snippet, [{ uri: 'file:///a/b.ts', firstLine: 0, lastLine: 99 }]), 1);
  });
});

describe('cursorWindow', () => {
  const text = Array.from({ length: 100 }, (_, i) => `line${i}`).join('\n');
  const offsetOfLine = (line: number) => text.indexOf(`line${line}\n`);
  test('ends at a block boundary above the cursor, so moving within a block keeps it', () => {
    assert.equal(cursorWindow(text, offsetOfLine(42) + 3, 42), cursorWindow(text, offsetOfLine(44), 44));
    const window = cursorWindow(text, offsetOfLine(42), 42);
    assert.ok(window.endsWith('line39\n'), JSON.stringify(window.slice(-20)));
    assert.ok(window.startsWith('line16\n'));
  });
});

describe('formatSnippets', () => {
  test('writes snippets as comments of the cursor file\'s language', () => {
    assert.equal(formatSnippets([{ uri: 'file:///a/b.py', firstLine: 0, text: 'x = 1', score: 1 }], 'python'), '# Compare this snippet from /a/b.py:\n# x = 1\n');
    assert.match(formatSnippets([{ uri: 'file:///a/b.ts', firstLine: 0, text: 'x', score: 1 }], 'typescript'), /^\/\/ Compare/);
  });
});

describe('unusableContentReason', () => {
  test('binary and non-UTF-8 text are refused with a reason; code is fine', () => {
    assert.match(unusableContentReason('abc\u0000def') ?? '', /binary/);
    assert.match(unusableContentReason('\uFFFD'.repeat(50) + 'abc') ?? '', /UTF-8/);
    assert.equal(unusableContentReason('const café = "naïve";'), undefined);
  });
  test('only the part around the cursor is looked at', () => {
    const text = '\u0000' + 'x'.repeat(100_000);
    assert.equal(unusableContentReason(text, 90_000), undefined);
  });
});
