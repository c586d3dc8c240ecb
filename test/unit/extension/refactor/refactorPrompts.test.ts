import { test } from 'node:test';
import * as assert from 'node:assert/strict';
import { docsInstruction, explainQuestion, fixInstruction } from '../../../../extension/refactor/refactorPrompts';

test('a fix instruction carries the message, its line and its source', () => {
  const instruction = fixInstruction({ message: "Cannot find name 'totl'.", source: 'ts', line: 12 });
  assert.match(instruction, /line 12/);
  assert.match(instruction, /reported by ts/);
  assert.match(instruction, /Cannot find name 'totl'\./);
  assert.doesNotMatch(fixInstruction({ message: 'x', line: 1 }), /reported by/);
});

test('docs go above the code, except Python docstrings', () => {
  assert.match(docsInstruction('typescript'), /JSDoc/);
  assert.match(docsInstruction('typescript'), /above/);
  assert.match(docsInstruction('python'), /docstring/);
  assert.match(docsInstruction('go'), /Do not change the code/);
});

test('the explain question quotes the code in a fence that its own fences cannot close', () => {
  const question = explainQuestion('main.ts', 3, 'typescript', 'const a = 1;');
  assert.match(question, /main\.ts \(line 3\)/);
  assert.match(question, /```typescript\nconst a = 1;\n```$/);
  assert.match(explainQuestion('README.md', 1, 'markdown', '```js\nx\n```'), /^````markdown$/m);
});
