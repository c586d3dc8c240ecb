import { test } from 'node:test';
import * as assert from 'node:assert/strict';
import { codeSoFar, extractCode, withOriginalTrailingNewline } from '../../../../server/edit/editPrompt';
import { commitMessageFromAnswer, commitMessageMessages } from '../../../../server/refactor/commitMessagePrompt';
import { planEditTask } from '../../../../server/refactor/editTasks';
import { PreviewStream } from '../../../../server/refactor/previewStream';
import { testsMessages } from '../../../../server/refactor/testsPrompt';

const answer = 'Here it is:\n```ts\nconst a = 1;\nconst b = 2;\n```\nDone.';

test('codeSoFar shows whole lines of the first block and ends where extractCode does', () => {
  assert.equal(codeSoFar('Here it is:\n``'), '');
  assert.equal(codeSoFar('Here it is:\n```ts\nconst a'), '');
  assert.equal(codeSoFar('Here it is:\n```ts\nconst a = 1;\nconst b'), 'const a = 1;');
  assert.equal(codeSoFar('Here it is:\n```ts\nconst a = 1;\nconst b = 2;\n``'), 'const a = 1;\nconst b = 2;');
  assert.equal(codeSoFar(answer), extractCode(answer));
});

test('streaming an answer in any pieces previews a growing prefix of the final code', () => {
  for (const size of [1, 2, 3, 5, 8, 100]) {
    const stream = new PreviewStream(codeSoFar);
    let shown = '';
    for (let i = 0; i < answer.length; i += size) {
      shown += stream.push(answer.slice(i, i + size));
      assert.ok(extractCode(answer).startsWith(shown), `piece size ${size}: ${JSON.stringify(shown)}`);
    }
    assert.equal(shown, extractCode(answer));
  }
});

test('a rewrite of whole lines keeps the trailing newline of the original', () => {
  assert.equal(withOriginalTrailingNewline('a\n', 'b'), 'b\n');
  assert.equal(withOriginalTrailingNewline('a\r\n', 'b'), 'b\r\n');
  assert.equal(withOriginalTrailingNewline('a', 'b'), 'b');
  assert.equal(withOriginalTrailingNewline('a\n', 'b\n'), 'b\n');
});

test('the rewrite task is the default and returns the code only', () => {
  const plan = planEditTask({ uri: 'file:///a.ts', languageId: 'typescript', original: 'x\n', instruction: 'do it' });
  assert.ok(plan);
  assert.match(plan.messages[1].content, /Instruction: do it/);
  assert.equal(plan.result('```ts\ny\n```'), 'y\n');
});

test('an unknown task is refused rather than guessed', () => {
  assert.equal(planEditTask({ uri: '', languageId: '', original: '', instruction: '', task: 'poetry' as never }), undefined);
});

test('test prompts name the framework and how to import the module', () => {
  const messages = testsMessages({ uri: 'file:///w/src/math%20utils.ts', languageId: 'typescript', original: 'export const one = 1;', testFramework: 'vitest' });
  assert.match(messages[1].content, /Vitest/);
  assert.match(messages[1].content, /import it from `\.\/math utils`/);
  assert.match(messages[1].content, /export const one = 1;/);
  const pytest = testsMessages({ uri: 'file:///w/calc.py', languageId: 'python', original: 'def f(): pass', testFramework: 'pytest' });
  assert.match(pytest[1].content, /pytest/);
  assert.match(pytest[1].content, /from calc import/);
  const go = testsMessages({ uri: 'file:///w/calc.go', languageId: 'go', original: 'package calc' });
  assert.match(go[1].content, /usual test framework for go/);
  assert.match(go[1].content, /same package/);
});

test('the tests task ends its file with one newline', () => {
  const plan = planEditTask({ uri: 'file:///a.ts', languageId: 'typescript', original: '', instruction: '', task: 'tests', testFramework: 'jest' });
  assert.equal(plan?.result('```ts\ntest("x", () => {});\n\n```'), 'test("x", () => {});\n');
});

test('commit messages come back without fences or quotes; the diff is in the prompt', () => {
  assert.equal(commitMessageFromAnswer('```\nFix the parser\n\nIt dropped commas.\n```'), 'Fix the parser\n\nIt dropped commas.');
  assert.equal(commitMessageFromAnswer('"Add greet()"'), 'Add greet()');
  assert.equal(commitMessageFromAnswer('  Plain summary \n'), 'Plain summary');
  assert.match(commitMessageMessages('+added line')[1].content, /\+added line/);
  assert.match(commitMessageMessages('x'.repeat(30_000))[1].content, /diff cut at/);
});
