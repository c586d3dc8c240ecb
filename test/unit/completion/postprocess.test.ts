/**
 * Golden tests for each completion filter: raw engine text and cursor surroundings in, the exact
 * ghost text out. `|` in a case's `doc` marks the cursor.
 */
import { describe, test } from 'node:test';
import * as assert from 'node:assert/strict';
import { cursorContext } from '../../../server/completion/cursorContext';
import { postprocess } from '../../../server/completion/postprocess';
import { singleLine } from '../../../server/completion/postprocess/singleLine';
import { stopAtNextLines } from '../../../server/completion/postprocess/stopAtNextLines';
import { trimLineSuffixOverlap } from '../../../server/completion/postprocess/trimLineSuffixOverlap';
import { trimTrailingWhitespace } from '../../../server/completion/postprocess/trimTrailingWhitespace';
import type { CompletionFilter, FilterContext } from '../../../server/completion/postprocess/types';

interface Golden {
  name: string;
  doc: string;
  multiline: boolean;
  raw: string;
  expected: string;
}

function contextOf(doc: string, multiline: boolean): FilterContext {
  const offset = doc.indexOf('|');
  return { ...cursorContext(doc.replace('|', ''), offset), multiline };
}

function runGoldens(filter: CompletionFilter, goldens: Golden[]): void {
  for (const golden of goldens) {
    test(golden.name, () => {
      assert.equal(filter(golden.raw, contextOf(golden.doc, golden.multiline)), golden.expected);
    });
  }
}

describe('singleLine', () =>
  runGoldens(singleLine, [
    { name: 'cuts at the first newline', doc: 'const x|', multiline: false, raw: ' = 1;\nconst y = 2;', expected: ' = 1;' },
    { name: 'keeps multi-line text in multi-line mode', doc: 'if (a) {|', multiline: true, raw: '\n  b();\n}', expected: '\n  b();\n}' },
    { name: 'a leading newline leaves nothing in single-line mode', doc: 'foo(|)', multiline: false, raw: '\nbar', expected: '' },
  ]));

describe('stopAtNextLines', () =>
  runGoldens(stopAtNextLines, [
    {
      name: 'drops lines that repeat the code after the cursor',
      doc: 'function f() {\n  |\n  return total;\n}',
      multiline: true,
      raw: 'const total = sum();\n  return total;\n}',
      expected: 'const total = sum();',
    },
    {
      name: 'keeps the completion when nothing repeats',
      doc: 'function f() {\n  |\n  return total;\n}',
      multiline: true,
      raw: 'const total = sum();\n  log(total);',
      expected: 'const total = sum();\n  log(total);',
    },
    { name: 'no suffix, no change', doc: 'x|', multiline: true, raw: ' = 1;\ny = 2;', expected: ' = 1;\ny = 2;' },
  ]));

describe('trimLineSuffixOverlap', () =>
  runGoldens(trimLineSuffixOverlap, [
    { name: 'drops a closing paren the line already has', doc: 'print(|)', multiline: false, raw: '"hello")', expected: '"hello"' },
    { name: 'drops `);` already after the cursor', doc: 'call(a, |);', multiline: false, raw: 'b, c);', expected: 'b, c' },
    { name: 'keeps text when the tail differs', doc: 'print(|)', multiline: false, raw: '"hello"', expected: '"hello"' },
    { name: 'no text after the cursor, no change', doc: 'let a|', multiline: false, raw: ' = f(x)', expected: ' = f(x)' },
  ]));

describe('trimTrailingWhitespace', () =>
  runGoldens(trimTrailingWhitespace, [
    { name: 'trims trailing spaces and blank lines', doc: 'x|', multiline: true, raw: ' = 1;   \n\n  ', expected: ' = 1;' },
    { name: 'keeps leading whitespace', doc: 'x|', multiline: true, raw: '  = 1;', expected: '  = 1;' },
  ]));

describe('postprocess pipeline', () => {
  test('single-line completion mid-call loses its second line and the duplicated paren', () => {
    assert.equal(postprocess('"hi")\nprint("bye")', contextOf('print(|)\n', false)), '"hi"');
  });
  test('multi-line body stops before the next existing line', () => {
    const doc = 'def area(r):\n    |\n\nprint(area(2))\n';
    assert.equal(postprocess('return 3.14159 * r * r\n\nprint(area(2))\n', contextOf(doc, true)), 'return 3.14159 * r * r');
  });
});
