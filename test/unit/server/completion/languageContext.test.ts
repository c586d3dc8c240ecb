/** Language-server context in the sidecar: checking the notification, choosing within budget shares, prompt layout. */
import { describe, test } from 'node:test';
import * as assert from 'node:assert/strict';
import {
  definitionLines,
  formatCompletionContext,
  languageContextChars,
  languageContextShares,
  parseCompletionContext,
  selectLanguageContext,
} from '../../../../server/completion/languageContext';
import type { ContextSnippet } from '../../../../server/protocol/contract';

const definition = (name: string, firstLine: number, text: string, uri = 'file:///w/lib.ts'): ContextSnippet => ({ kind: 'definition', uri, firstLine, name, text });
const imported = (name: string, text: string, uri = 'file:///w/api.ts'): ContextSnippet => ({ kind: 'import', uri, firstLine: 0, name, text });

describe('parseCompletionContext', () => {
  test('accepts a well-formed payload', () => {
    const params = { uri: 'file:///w/a.ts', version: 3, snippets: [definition('f', 0, 'function f() {}')] };
    assert.deepEqual(parseCompletionContext(params), { ok: true, context: params });
  });
  test('says what is wrong with a malformed one', () => {
    assert.deepEqual(parseCompletionContext(undefined), { ok: false, problem: 'it needs a document uri and version' });
    assert.deepEqual(parseCompletionContext({ uri: 'u', version: 1, snippets: 'x' }), { ok: false, problem: 'it needs at most 64 snippets' });
    const bad = parseCompletionContext({ uri: 'u', version: 1, snippets: [definition('f', 0, 'x'), { kind: 'other', uri: 'u', name: 'n', firstLine: 0, text: '' }] });
    assert.equal(bad.ok, false);
    assert.match(!bad.ok ? bad.problem : '', /^snippet 1 needs kind \(definition\|import\)/);
    assert.equal(parseCompletionContext({ uri: 'u', version: 1, snippets: [definition('f', -1, 'x')] }).ok, false);
    assert.equal(parseCompletionContext({ uri: 'u', version: 1, snippets: [definition('f', 0, 'x'.repeat(8001))] }).ok, false);
  });
});

describe('selectLanguageContext', () => {
  const parse = definition('parseInvoice', 10, 'export function parseInvoice(raw: string): Invoice {\n  const lines = raw.split("\\n");');
  const total = definition('sumTotal', 40, 'export function sumTotal(lines: string[]): number {');
  const invoice = definition('Invoice', 2, 'export interface Invoice {\n  lines: string[];\n  total: number;\n}');
  const api = imported('./api', 'export async function fetchInvoice(id: string): Promise<Invoice>\nexport const baseUrl: string');

  test('golden: each kind in the order sent, within its share of the budget', () => {
    // 1000 characters: definitions get 400, imports 200.
    const chosen = selectLanguageContext([parse, total, invoice, api], 1000);
    assert.deepEqual(
      chosen.definitions.map((s) => s.name),
      ['parseInvoice', 'sumTotal', 'Invoice'],
    );
    assert.deepEqual(chosen.imports.map((s) => s.name), ['./api']);
    assert.equal(languageContextChars(chosen), parse.text.length + total.text.length + invoice.text.length + api.text.length);
  });

  test('golden: what does not fit its share is skipped, a smaller later one still fits', () => {
    // 250 characters: definitions get 100 (parseInvoice's 87 fit, sumTotal's 51 would pass 100), imports 50 (api's 93 do not fit).
    const chosen = selectLanguageContext([parse, total, definition('id', 1, 'type Id = string;'), api], 250);
    assert.deepEqual(chosen.definitions.map((s) => s.name), ['parseInvoice']);
    assert.deepEqual(chosen.imports, []);
    assert.equal(Math.floor(250 * languageContextShares.definition), 100);
  });

  test('a definition overlapping one already chosen in the same file is skipped; other files and imports are not', () => {
    const method = definition('lines', 11, '  const lines = raw.split("\\n");');
    const elsewhere = definition('lines', 11, 'let lines: string[] = [];', 'file:///w/other.ts');
    const chosen = selectLanguageContext([parse, method, elsewhere, imported('./lib', 'export function parseInvoice(raw: string): Invoice', 'file:///w/lib.ts')], 4000);
    assert.deepEqual(chosen.definitions.map((s) => `${s.uri}#${s.name}`), ['file:///w/lib.ts#parseInvoice', 'file:///w/other.ts#lines']);
    assert.equal(chosen.imports.length, 1);
  });

  test('golden: the chosen definitions\' lines, for similarity snippets to skip; imports are not lines of a file', () => {
    assert.deepEqual(definitionLines(selectLanguageContext([parse, invoice, api], 1000)), [
      { uri: 'file:///w/lib.ts', firstLine: 10, lastLine: 11 },
      { uri: 'file:///w/lib.ts', firstLine: 2, lastLine: 5 },
    ]);
  });

  test('empty text and a zero budget choose nothing', () => {
    assert.deepEqual(selectLanguageContext([definition('x', 0, '   ')], 1000), { definitions: [], imports: [] });
    assert.deepEqual(selectLanguageContext([parse, api], 0), { definitions: [], imports: [] });
  });
});

describe('formatCompletionContext', () => {
  test('golden: imports first, then similar snippets, then definitions next to the code', () => {
    const chosen = { definitions: [definition('sumTotal', 40, 'function sumTotal(xs: number[]): number {')], imports: [imported('./api', 'export const baseUrl: string')] };
    const similar = [{ uri: 'file:///w/near.ts', firstLine: 0, text: 'const total = sumTotal(prices);', score: 0.5 }];
    assert.equal(
      formatCompletionContext(chosen, similar, 'typescript'),
      [
        '// Signatures exported by /w/api.ts:',
        '// export const baseUrl: string',
        '// Compare this snippet from /w/near.ts:',
        '// const total = sumTotal(prices);',
        '// Definition of sumTotal from /w/lib.ts:',
        '// function sumTotal(xs: number[]): number {',
        '',
      ].join('\n'),
    );
  });
  test('uses the cursor language\'s line comments', () => {
    const chosen = { definitions: [definition('load', 3, 'def load(path):', 'file:///w/io.py')], imports: [] };
    assert.equal(formatCompletionContext(chosen, [], 'python'), '# Definition of load from /w/io.py:\n# def load(path):\n');
  });
});
