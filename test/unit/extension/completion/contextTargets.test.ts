/** What the extension asks VS Code's language servers about, and what it keeps of their answers. */
import { describe, test } from 'node:test';
import * as assert from 'node:assert/strict';
import {
  declarationText,
  enclosingSymbol,
  exportedSignatures,
  identifiersNearCursor,
  importSpecifiers,
  insidePromptWindow,
  maxDeclarationLines,
  maxNearbyIdentifiers,
  type SymbolOutline,
} from '../../../../extension/completion/contextTargets';
import { snoozeLabel } from '../../../../extension/completion/snooze';

const names = (found: { name: string }[]) => found.map((f) => f.name);

describe('identifiersNearCursor', () => {
  test('golden: the chain being typed first (nearest first), then the line by distance, then the previous line from its end', () => {
    const line = '  const due = this.store.invoices.filt';
    const found = identifiersNearCursor(line, '  const today = startOfDay(now);', { line: 5, character: line.length });
    assert.deepEqual(names(found), ['filt', 'invoices', 'store', 'due', 'now', 'startOfDay']);
    assert.deepEqual(found[1], { name: 'invoices', line: 5, character: line.indexOf('invoices') });
    assert.deepEqual(found[5], { name: 'startOfDay', line: 4, character: 16 });
  });
  test('inside a call: the callee\'s chain comes next; text after the cursor counts by distance', () => {
    const line = 'const label = format.describeProbe(count, unitName)';
    const cursor = line.indexOf(', unitName');
    assert.deepEqual(names(identifiersNearCursor(line, undefined, { line: 0, character: cursor })), ['count', 'describeProbe', 'format', 'unitName', 'label']);
    assert.deepEqual(names(identifiersNearCursor('total(items.map(price), ', undefined, { line: 0, character: 24 })), ['total', 'price', 'map', 'items']);
  });
  test('a very long line is read only near the cursor', () => {
    const line = 'x'.repeat(100_000) + ' = compute(total';
    const found = identifiersNearCursor(line, 'y'.repeat(100_000) + ' lastName', { line: 1, character: line.length });
    assert.deepEqual(names(found), ['total', 'compute', 'lastName']);
    assert.deepEqual(found[0], { name: 'total', line: 1, character: line.length - 5 });
    assert.deepEqual(found[2], { name: 'lastName', line: 0, character: 100_001 });
  });
  test('keywords and single letters are left out; at most the cap', () => {
    assert.deepEqual(names(identifiersNearCursor('return new Map(x, this)', undefined, { line: 0, character: 23 })), ['Map']);
    const many = Array.from({ length: 20 }, (_, i) => `name${i}`).join(' + ');
    assert.equal(identifiersNearCursor(many, undefined, { line: 0, character: many.length }).length, maxNearbyIdentifiers);
  });
});

describe('importSpecifiers', () => {
  test('golden: TypeScript import, side-effect import, re-export, require; positions are the specifier\'s', () => {
    const text = [
      "import { parseInvoice, type Invoice } from './invoice';",
      "import './polyfills';",
      "export * from '../shared/api';",
      "const fs = require('node:fs');",
      "import { parseInvoice as again } from './invoice';",
      'const notAnImport = "from \'./nope\'";',
    ].join('\n');
    assert.deepEqual(importSpecifiers(text, 'typescript'), [
      { name: './invoice', line: 0, character: 44 },
      { name: './polyfills', line: 1, character: 8 },
      { name: '../shared/api', line: 2, character: 15 },
      { name: 'node:fs', line: 3, character: 20 },
    ]);
  });
  test('Python: from x import y and import x', () => {
    assert.deepEqual(importSpecifiers('from .models import User\nimport os.path\nx = 1', 'python'), [
      { name: '.models', line: 0, character: 5 },
      { name: 'os.path', line: 1, character: 7 },
    ]);
  });
  test('languages without known import syntax give none', () => {
    assert.deepEqual(importSpecifiers("import foo from 'bar'", 'markdown'), []);
  });
});

const symbol = (name: string, startLine: number, endLine: number, children: SymbolOutline[] = [], startCharacter = 0, endCharacter = 1): SymbolOutline => ({
  name,
  startLine,
  startCharacter,
  endLine,
  endCharacter,
  children,
});

describe('enclosingSymbol and declarationText', () => {
  const outline = [symbol('Store', 2, 30, [symbol('invoices', 4, 4), symbol('filterDue', 6, 12)]), symbol('helper', 32, 34)];
  test('the innermost symbol holding the position', () => {
    assert.equal(enclosingSymbol(outline, { line: 7, character: 4 })?.name, 'filterDue');
    assert.equal(enclosingSymbol(outline, { line: 20, character: 0 })?.name, 'Store');
    assert.equal(enclosingSymbol(outline, { line: 33, character: 2 })?.name, 'helper');
    assert.equal(enclosingSymbol(outline, { line: 31, character: 0 }), undefined);
  });
  test('a declaration keeps its first lines up to the caps, without trailing spaces', () => {
    const lines = Array.from({ length: 40 }, (_, i) => `line ${i}   `);
    assert.equal(declarationText(lines, 3, 5), 'line 3\nline 4\nline 5');
    assert.equal(declarationText(lines, 0, 39).split('\n').length, maxDeclarationLines);
    const long = ['x'.repeat(1000), 'y'.repeat(1000)];
    assert.equal(declarationText(long, 0, 1), 'x'.repeat(1000));
  });
});

describe('exportedSignatures', () => {
  test('golden: TypeScript keeps the first line of exported top-level symbols, in file order', () => {
    const lines = ['import { x } from "y";', 'export function parseInvoice(raw: string): Invoice {', '  return x;', '}', 'function internal() {}', 'export interface Invoice {', '  total: number;', '}'];
    const outline = [symbol('Invoice', 5, 7), symbol('internal', 4, 4), symbol('parseInvoice', 1, 3)];
    assert.equal(exportedSignatures(outline, lines, 'typescript'), 'export function parseInvoice(raw: string): Invoice {\nexport interface Invoice {');
  });
  test('Python leaves out names with a leading underscore', () => {
    const lines = ['def load(path):', '    pass', 'def _cache():', '    pass'];
    assert.equal(exportedSignatures([symbol('load', 0, 1), symbol('_cache', 2, 3)], lines, 'python'), 'def load(path):');
  });
});

describe('insidePromptWindow', () => {
  test('definitions just above or below the cursor are already in the prompt', () => {
    assert.equal(insidePromptWindow(150, 200), true);
    assert.equal(insidePromptWindow(210, 200), true);
    assert.equal(insidePromptWindow(100, 200), false);
    assert.equal(insidePromptWindow(260, 200), false);
  });
});

describe('snoozeLabel', () => {
  test('shows the local clock time the snooze ends', () => {
    assert.equal(snoozeLabel(new Date(2026, 0, 5, 14, 5)), '$(bell-slash) Rook: snoozed until 14:05');
    assert.equal(snoozeLabel(new Date(2026, 0, 5, 9, 30)), '$(bell-slash) Rook: snoozed until 09:30');
  });
});
