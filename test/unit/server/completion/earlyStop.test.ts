/**
 * Early stop of a streamed completion: generation ends as soon as the scope filters have cut the answer at a
 * finished line, and what the user sees is the same as if the engine had run to its limit.
 */
import { test } from 'node:test';
import * as assert from 'node:assert/strict';
import { contextOf } from './cursorDoc';
import { earlyStop } from '../../../../server/completion/earlyStop';
import { postprocess } from '../../../../server/completion/postprocess';
import type { FilterContext } from '../../../../server/completion/postprocess/types';


/** Streams `full` a character at a time; returns the text at the first early stop and how many characters that took. */
function streamUntilStop(full: string, context: FilterContext): { text: string; reason?: string; consumed: number } {
  for (let length = 1; length <= full.length; length++) {
    const stop = earlyStop(full.slice(0, length), context, false);
    if (stop) return { ...stop, consumed: length };
  }
  return { text: full, consumed: full.length };
}

const cases = [
  {
    name: 'a block body ends where a line dedents below the block',
    doc: 'function total(items) {\n  let sum = 0;\n  |\n}\n',
    multiline: true,
    full: 'for (const item of items) sum += item;\n  return sum;\n}\n\nfunction average(items) {\n  return total(items) / items.length;\n}\n',
    stopsBefore: 'function average',
  },
  {
    name: 'a block opened at the cursor keeps its closing line',
    doc: 'if (ready) {|\n',
    multiline: true,
    full: '\n  start();\n}\nelse {\n  wait();\n}\n',
    stopsBefore: 'else',
  },
  {
    name: 'a loop of repeated lines stops after the third copy',
    doc: 'const values = [\n  |\n];\n',
    multiline: true,
    full: "'a',\n  'a',\n  'a',\n  'a',\n  'a',\n  'z',\n",
    stopsBefore: "  'a',\n  'a',\n  'z'",
  },
  {
    name: 'a line that repeats the code after the cursor ends the answer when finished',
    doc: 'function f(a) {\n  |\n  return total;\n}\n',
    multiline: true,
    full: 'const total = a * 2;\n  return total;\n  console.log(total);\n',
    stopsBefore: '  console',
  },
  {
    name: 'single-line answers stop at their first newline',
    doc: 'const width = |',
    multiline: false,
    full: 'box.width;\nconst height = box.height;\n',
    stopsBefore: 'const height',
  },
];

for (const golden of cases) {
  test(`early stop: ${golden.name}, showing what the full answer would`, () => {
    const context = contextOf(golden.doc, golden.multiline);
    const stopped = streamUntilStop(golden.full, context);
    assert.equal(stopped.reason, 'scope');
    assert.ok(stopped.consumed <= golden.full.indexOf(golden.stopsBefore), `read ${stopped.consumed} characters: ${JSON.stringify(golden.full.slice(0, stopped.consumed))}`);
    assert.equal(postprocess(stopped.text, context), postprocess(golden.full, context));
  });
}

test('early stop: an unfinished line is not judged, even when it starts like the next line of the file', () => {
  const context = contextOf('function f(a) {\n  |\n  return total;\n}\n', true);
  assert.equal(earlyStop('const total = a * 2;\n  return total', context, false), undefined);
  assert.equal(earlyStop('const total = a * 2;\n  return total;\n', context, false)?.reason, 'scope');
  // `return total` then `;` and more: a longer line is not the next line, and the answer goes on.
  assert.equal(earlyStop('const total = a * 2;\n  return total * 3;\n', context, false), undefined);
});

test('early stop: past the time budget a multi-line answer ends at its last finished line', () => {
  const context = contextOf('function f(a) {\n  |\n}\n', true);
  assert.equal(earlyStop('const b = a', context, true), undefined, 'no finished line yet: keep going');
  assert.equal(earlyStop('\n', context, true), undefined, 'a blank line is not worth showing on its own');
  assert.deepEqual(earlyStop('const b = a;\n  const c = b', context, true), { text: 'const b = a;\n', reason: 'time' });
  assert.equal(earlyStop('const b = a;\n  const c = b', context, false), undefined);
});
