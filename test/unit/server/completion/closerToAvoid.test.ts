/** Which closer the engine is asked not to start with: the block's, on a blank line, when the code after has it. */
import { describe, test } from 'node:test';
import * as assert from 'node:assert/strict';
import { closerToAvoid } from '../../../../server/completion/closerToAvoid';
import { contextOf } from './cursorDoc';

describe('closerToAvoid', () => {
  const cases: { name: string; doc: string; multiline?: boolean; expected: string | undefined }[] = [
    { name: "a blank line in a function body whose } follows", doc: 'export default function isObject(obj) {\n  |\n}\n', expected: '}' },
    { name: 'a blank line in a list whose ] follows', doc: 'const names = [\n  "a",\n  |\n];\n', expected: ']' },
    { name: 'the code after closes only the outer block: the inner one may be closed', doc: 'function f() {\n  if (a) {\n    |\n}\n', expected: undefined },
    { name: 'nothing after the cursor closes the block', doc: 'function f() {\n  |', expected: undefined },
    { name: 'a line with text', doc: 'function f() {\n  return |\n}\n', expected: undefined },
    { name: 'single-line completions keep their closers for the replace range', doc: 'function f() {\n  |\n}\n', multiline: false, expected: undefined },
    { name: 'Python has no closer to avoid', doc: 'def f(a):\n    |\n\nprint(f(1))\n', expected: undefined },
  ];
  for (const { name, doc, multiline, expected } of cases) test(name, () => assert.equal(closerToAvoid(contextOf(doc, multiline ?? true)), expected));
});
