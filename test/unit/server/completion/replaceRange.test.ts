import { describe, test } from 'node:test';
import * as assert from 'node:assert/strict';
import { replacedSuffixLength } from '../../../../server/completion/replaceRange';

/** `doc` marks the cursor with `|`; returns the document after accepting `insertText`. */
function accept(doc: string, insertText: string): string {
  const cursor = doc.indexOf('|');
  const before = doc.slice(0, cursor);
  const after = doc.slice(cursor + 1);
  const lineSuffix = after.split('\n', 1)[0];
  return before + insertText + after.slice(replacedSuffixLength(insertText, before, lineSuffix));
}

describe('replacedSuffixLength', () => {
  test('covers an auto-closed paren the completion writes itself', () => {
    assert.equal(accept('foo(|)', 'a, b);'), 'foo(a, b);');
  });
  test('covers only the part of the suffix the completion repeats', () => {
    assert.equal(accept('foo(|);', 'a)'), 'foo(a);');
  });
  test('covers a quote and bracket pair', () => {
    assert.equal(accept('x = ["|"]', 'a", "b"]'), 'x = ["a", "b"]');
  });
  test('a closer the completion uses for its own bracket is not the suffix one', () => {
    assert.equal(accept('foo(|)', 'g(x)'), 'foo(g(x))');
  });
  test('a completion without the closer replaces nothing', () => {
    assert.equal(accept('foo(|)', 'a, b'), 'foo(a, b)');
  });
  test('text that is not auto-closed punctuation is never replaced', () => {
    assert.equal(accept('foo(|bar)', 'a, bar)'), 'foo(a, bar)bar)');
  });
  test('later text on the line stays', () => {
    assert.equal(accept('if (f(|)) {', 'x)'), 'if (f(x)) {');
  });
});
