import { describe, test } from 'node:test';
import * as assert from 'node:assert/strict';
import { cursorContext, wantsMultiline } from '../../../../server/completion/cursorContext';

describe('cursorContext', () => {
  test('splits the document at the cursor and reports the cursor line', () => {
    const text = 'a\nbc|de\nf'.replace('|', '');
    const context = cursorContext(text, 4);
    assert.equal(context.prefix, 'a\nbc');
    assert.equal(context.suffix, 'de\nf');
    assert.equal(context.linePrefix, 'bc');
    assert.equal(context.lineSuffix, 'de');
  });

  test('cuts a long prefix at a line start, keeping the cursor line whole', () => {
    const lines = Array.from({ length: 100 }, (_, i) => `line ${i}`);
    const text = lines.join('\n');
    const context = cursorContext(text, text.length, { prefixChars: 50, suffixChars: 10 });
    assert.ok(context.prefix.length <= 50);
    assert.ok(context.prefix.startsWith('line '), `prefix starts mid-line: ${JSON.stringify(context.prefix.slice(0, 10))}`);
    assert.ok(context.prefix.endsWith('line 99'));
  });

  test('the prefix start stays put while typing on the same line', () => {
    const base = Array.from({ length: 200 }, (_, i) => `const v${i} = ${i};`).join('\n') + '\nconst next';
    const a = cursorContext(base, base.length, { prefixChars: 300, suffixChars: 0 });
    const b = cursorContext(base + ' =', base.length + 2, { prefixChars: 300, suffixChars: 0 });
    assert.equal(a.prefix.split('\n')[0], b.prefix.split('\n')[0]);
  });

  test('a small budget is mostly used: the cut keeps at least three quarters of it', () => {
    const text = Array.from({ length: 400 }, (_, i) => `  const value${i} = compute(${i});`).join('\n');
    for (let end = text.length - 300; end < text.length; end += 7) {
      const context = cursorContext(text, end, { prefixChars: 480, suffixChars: 0 });
      assert.ok(context.prefix.length >= 0.75 * 480 - 40 && context.prefix.length <= 480, `${context.prefix.length}`);
    }
  });

  test('a 100 KB line and a 10 MB document are cut within budget (`rook bench limits` times the 10 MB one)', () => {
    const longLine = 'x'.repeat(100_000);
    assert.equal(cursorContext(longLine, 60_000).prefix.length <= 6000, true);
    const huge = 'const a = 1;\n'.repeat(800_000);
    const context = cursorContext(huge, huge.length / 2);
    assert.ok(context.prefix.length <= 6000 && context.suffix.length <= 2000, `${context.prefix.length} / ${context.suffix.length}`);
    assert.ok(huge.slice(0, huge.length / 2).endsWith(context.prefix));
  });

  test('cuts a long suffix at a line end', () => {
    const text = 'x' + '\nabc'.repeat(100);
    const context = cursorContext(text, 1, { prefixChars: 10, suffixChars: 20 });
    assert.ok(context.suffix.length <= 20);
    assert.ok(context.suffix.endsWith('\n'));
  });
});

describe('wantsMultiline', () => {
  const at = (doc: string) => cursorContext(doc.replace('|', ''), doc.indexOf('|'));
  test('empty line: multi-line', () => assert.equal(wantsMultiline(at('if (a) {\n  |\n}')), true));
  test('after an opening brace: multi-line', () => assert.equal(wantsMultiline(at('function f() {|')), true));
  test('after a Python colon: multi-line', () => assert.equal(wantsMultiline(at('def f():|')), true));
  test('mid-expression: single line', () => assert.equal(wantsMultiline(at('const x = a +|')), false));
  test('text after the cursor: single line', () => assert.equal(wantsMultiline(at('foo(|a, b)')), false));
});
