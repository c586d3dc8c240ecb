/**
 * Golden tests for each completion filter: raw engine text and cursor surroundings in, the exact
 * ghost text out. `|` in a case's `doc` marks the cursor.
 */
import { describe, test } from 'node:test';
import * as assert from 'node:assert/strict';
import { contextOf } from './cursorDoc';
import { postprocess } from '../../../../server/completion/postprocess';
import { dropLeadingBlankLines } from '../../../../server/completion/postprocess/dropLeadingBlankLines';
import { keepCursorIndentation } from '../../../../server/completion/postprocess/keepCursorIndentation';
import { balanceBrackets } from '../../../../server/completion/postprocess/balanceBrackets';
import { limitScopeByIndentation } from '../../../../server/completion/postprocess/limitScopeByIndentation';
import { indentationStyle, normalizeIndentation } from '../../../../server/completion/postprocess/normalizeIndentation';
import { removeRepetition } from '../../../../server/completion/postprocess/removeRepetition';
import { singleLine } from '../../../../server/completion/postprocess/singleLine';
import { stopAtNextLines } from '../../../../server/completion/postprocess/stopAtNextLines';
import { stopLoopingLine } from '../../../../server/completion/postprocess/stopLoopingLine';
import { trimLineSuffixOverlap } from '../../../../server/completion/postprocess/trimLineSuffixOverlap';
import { trimTrailingWhitespace } from '../../../../server/completion/postprocess/trimTrailingWhitespace';
import type { CompletionFilter } from '../../../../server/completion/postprocess/types';

interface Golden {
  name: string;
  doc: string;
  multiline: boolean;
  raw: string;
  expected: string;
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

describe('limitScopeByIndentation', () =>
  runGoldens(limitScopeByIndentation, [
    {
      name: 'stops when the completion dedents below the cursor block',
      doc: 'function f() {\n  const a = 1;\n  |',
      multiline: true,
      raw: 'const b = 2;\n  return a + b;\n}\n\nfunction g() {\n  return 0;\n}',
      expected: 'const b = 2;\n  return a + b;',
    },
    {
      name: 'a block opened on the cursor line keeps its body and closing line',
      doc: 'if (ready) {|',
      multiline: true,
      raw: '\n  start();\n}\nstop();',
      expected: '\n  start();\n}',
    },
    {
      name: 'python: a def body ends at the next top-level line',
      doc: 'def area(r):|',
      multiline: true,
      raw: '\n    return 3.14 * r * r\nprint(area(1))',
      expected: '\n    return 3.14 * r * r',
    },
    {
      name: 'blank lines inside the block do not end it',
      doc: 'def f():\n    |',
      multiline: true,
      raw: 'a = 1\n\n    return a\nx = f()',
      expected: 'a = 1\n\n    return a',
    },
    { name: 'single-line mode is left alone', doc: '  x|', multiline: false, raw: ' = 1\ny', expected: ' = 1\ny' },
  ]));

describe('dropLeadingBlankLines', () =>
  runGoldens(dropLeadingBlankLines, [
    { name: 'a blank line before the code, at column 0', doc: 'function f() {\n|\n}', multiline: true, raw: '\n  return 1;', expected: '  return 1;' },
    { name: 'the indentation the cursor stands at is not written twice', doc: 'function f() {\n  |\n}', multiline: true, raw: '\n\n  return 1;\n  x();', expected: 'return 1;\n  x();' },
    { name: 'a line less indented than the cursor starts at the cursor', doc: 'if (a) {\n    |\n}', multiline: true, raw: '\n  b();', expected: 'b();' },
    { name: 'text on the cursor line keeps the line break', doc: 'const x = 1;|', multiline: true, raw: '\nconst y = 2;', expected: '\nconst y = 2;' },
    { name: 'nothing but blank lines is nothing', doc: '|', multiline: true, raw: '\n\n', expected: '' },
    { name: 'a completion that starts with code is left alone', doc: '  |', multiline: true, raw: 'return 1;', expected: 'return 1;' },
  ]));

describe('keepCursorIndentation', () =>
  runGoldens(keepCursorIndentation, [
    { name: 'a first line indented past the cursor starts at the cursor', doc: 'function f(n) {\n  |\n}', multiline: true, raw: '      return n;', expected: 'return n;' },
    { name: 'later lines move left as much, keeping their nesting', doc: 'def f():\n    |', multiline: true, raw: '    if x:\n            return 1\n        y()', expected: 'if x:\n        return 1\n    y()' },
    { name: 'a later line indented less than the shift goes to its margin', doc: '  |', multiline: true, raw: '    a\n  }\nb', expected: 'a\n}\nb' },
    { name: 'tabs alike', doc: 'class A {\n\t|', multiline: true, raw: '\t\tx = 1;\n\t\ty = 2;', expected: 'x = 1;\ny = 2;' },
    { name: 'an empty cursor line has no indentation to keep', doc: 'function f() {\n|', multiline: true, raw: '  return 1;', expected: '  return 1;' },
    { name: 'code on the cursor line is left alone', doc: 'x =|', multiline: true, raw: '  1;', expected: '  1;' },
    { name: 'a blank first line is left to dropLeadingBlankLines', doc: '  |', multiline: true, raw: '  \n    a', expected: '  \n    a' },
  ]));

describe('stopLoopingLine', () =>
  runGoldens(stopLoopingLine, [
    { name: 'a phrase looping to the token limit keeps one copy', doc: 'R, x = ring|', multiline: false, raw: '(x, y, y, y, y, y, y, y, y, y', expected: '(x, y' },
    { name: 'a loop inside a word', doc: 'assert not is_stric|', multiline: false, raw: 'ted_to_to_to_to_to_to_to_to_to', expected: 'ted_to' },
    { name: 'the last copy may be cut short', doc: "x = ('|", multiline: false, raw: "r', 'r', 'r', 'r', 'r', 'r', 'r',", expected: "r', '" },
    { name: 'only the unfinished last line: lines before it stay', doc: 'f(|', multiline: true, raw: 'a)\n  g(b, b, b, b, b, b, b, b', expected: 'a)\n  g(b, ' },
    { name: 'a line the model closed is code', doc: 'zeros = |', multiline: false, raw: '[0, 0, 0, 0, 0, 0, 0, 0]', expected: '[0, 0, 0, 0, 0, 0, 0, 0]' },
    { name: 'a short repeat is code', doc: 'm = [|', multiline: false, raw: '0, 0, 0', expected: '0, 0, 0' },
    { name: 'one repeated character never counts', doc: '    ==|', multiline: false, raw: '==============', expected: '==============' },
    { name: 'numbers keep their zeros', doc: 'n = |', multiline: false, raw: '100000000000000', expected: '100000000000000' },
    { name: 'a letter looping to the token limit keeps one copy', doc: 'class Dictionary<T> { c|', multiline: false, raw: 'OMMMMMMMMMMMMMMMMMMM', expected: 'OM' },
    { name: 'a letter repeated less is a word', doc: 's = "|', multiline: false, raw: 'aaaaaaaaaaa', expected: 'aaaaaaaaaaa' },
    { name: 'a letter run the model ended is text', doc: 's = "|', multiline: false, raw: 'xxxxxxxxxxxxxxxxxxxx";', expected: 'xxxxxxxxxxxxxxxxxxxx";' },
  ]));

describe('removeRepetition', () =>
  runGoldens(removeRepetition, [
    { name: 'one line looping keeps one copy', doc: '|', multiline: true, raw: 'a();\nlog(x);\nlog(x);\nlog(x);\nlog(x);', expected: 'a();\nlog(x);' },
    {
      name: 'a block of two lines looping keeps one copy',
      doc: '|',
      multiline: true,
      raw: 'x = 1\ny = 2\nz = 3\ny = 2\nz = 3\ny = 2',
      expected: 'x = 1\ny = 2\nz = 3',
    },
    { name: 'a line twice is not yet a loop', doc: '|', multiline: true, raw: 'i++;\ni++;\ndone();', expected: 'i++;\ni++;\ndone();' },
    { name: 'blank lines are not a loop', doc: '|', multiline: true, raw: 'a\n\n\n\nb', expected: 'a\n\n\n\nb' },
    {
      name: 'repeats differing only in indentation count as the same line',
      doc: '|',
      multiline: true,
      raw: 'return 0;\n  return 0;\n    return 0;',
      expected: 'return 0;',
    },
  ]));

describe('normalizeIndentation', () => {
  runGoldens(normalizeIndentation, [
    {
      name: 'space-indented lines become tabs in a tab-indented file',
      doc: 'function f() {\n\tif (a) {|\n\t}\n}',
      multiline: true,
      raw: '\n        b();\n        if (c) {\n            d();\n        }',
      expected: '\n\t\tb();\n\t\tif (c) {\n\t\t\td();\n\t\t}',
    },
    {
      name: 'tab-indented lines become the file\'s two spaces',
      doc: 'function f() {\n  if (a) {|\n  }\n}',
      multiline: true,
      raw: '\n\t\tb();\n\t\tc();',
      expected: '\n    b();\n    c();',
    },
    {
      name: 'matching styles are left alone',
      doc: 'def f():\n    |',
      multiline: true,
      raw: 'a = 1\n    return a',
      expected: 'a = 1\n    return a',
    },
    { name: 'a file without indentation says nothing', doc: 'x|', multiline: true, raw: '\n\ty', expected: '\n\ty' },
  ]);
  test('indentation style: tabs, or the spaces step', () => {
    assert.deepEqual(indentationStyle('a\n\tb\n\t\tc'), { tabs: true, unit: 1 });
    assert.deepEqual(indentationStyle('a\n    b\n        c\n      d'), { tabs: false, unit: 2 });
    assert.equal(indentationStyle('a\nb'), undefined);
  });
});

describe('balanceBrackets', () =>
  runGoldens(balanceBrackets, [
    {
      name: 'a closing brace the suffix already has is cut with its line',
      doc: 'function f() {\n  |\n\n  // done\n}',
      multiline: true,
      raw: 'return 1;\n}',
      expected: 'return 1;',
    },
    {
      name: 'an unfinished inner block may be closed: the suffix closer under the outer block closes only that one',
      doc: 'function f() {\n  if (a) {\n    |\n}',
      multiline: true,
      raw: 'b();\n  }',
      expected: 'b();\n  }',
    },
    {
      name: 'a suffix closer under the inner block closes the inner block',
      doc: 'function f() {\n  if (a) {\n    |\n  }\n}',
      multiline: true,
      raw: 'b();\n  }\n}',
      expected: 'b();',
    },
    {
      name: 'after closing the unfinished inner block the completion stops before the outer closer the suffix has',
      doc: 'function f() {\n  if (a) {\n    |\n}',
      multiline: true,
      raw: 'b();\n  }\n}\n',
      expected: 'b();\n  }',
    },
    {
      name: 'a closer indented deeper than its opener closes the innermost bracket',
      doc: 'call(\n  a,\n  |\n  )',
      multiline: true,
      raw: 'b)',
      expected: 'b',
    },
    {
      name: 'a closer on the first line that the line suffix repeats is kept for the replace range',
      doc: 'foo(|)',
      multiline: false,
      raw: 'a, b);',
      expected: 'a, b);',
    },
    {
      name: 'a closer the suffix has on a later line is cut on the first line',
      doc: 'call(|\n)',
      multiline: true,
      raw: 'a, b)',
      expected: 'a, b',
    },
    {
      name: 'brackets the completion opens itself may close',
      doc: 'x = [|]',
      multiline: false,
      raw: 'f(1), g(2)',
      expected: 'f(1), g(2)',
    },
    {
      name: 'closers inside strings do not count',
      doc: 'log(|)',
      multiline: false,
      raw: '")"',
      expected: '")"',
    },
    {
      name: 'without closers after the cursor, the completion may close the block',
      doc: 'if (a) {\n  |',
      multiline: true,
      raw: 'b();\n}',
      expected: 'b();\n}',
    },
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
