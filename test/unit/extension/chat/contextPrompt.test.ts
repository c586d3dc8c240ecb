import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import {
  composeQuestion,
  estimateTokens,
  fitToBudget,
  isInsideWorkspacePath,
  mentionedPaths,
  type ContextPiece,
} from '../../../../extension/chat/contextPrompt';

const file = (label: string, text: string): ContextPiece => ({ kind: 'file', label, language: 'ts', text });

describe('mentionedPaths', () => {
  it('finds @path mentions, without trailing punctuation, once each', () => {
    assert.deepEqual(mentionedPaths('@src/a.ts explain this, and @b.py. Compare with @src/a.ts'), ['src/a.ts', 'b.py']);
  });

  it('ignores e-mail addresses and decorators inside words', () => {
    assert.deepEqual(mentionedPaths('mail me@example.com about x@y'), []);
  });
});

describe('isInsideWorkspacePath', () => {
  it('accepts relative paths and refuses ones that leave the workspace', () => {
    assert.equal(isInsideWorkspacePath('src/a.ts'), true);
    assert.equal(isInsideWorkspacePath('../secrets.txt'), false);
    assert.equal(isInsideWorkspacePath('src/../../x'), false);
    assert.equal(isInsideWorkspacePath('/etc/passwd'), false);
    assert.equal(isInsideWorkspacePath('C:\\Windows\\win.ini'), false);
  });
});

describe('composeQuestion', () => {
  it('is the question alone without context', () => {
    assert.equal(composeQuestion('Why?', []), 'Why?');
  });

  it('puts each piece in a fenced block before the question', () => {
    const prompt = composeQuestion('What does it do?', [
      { kind: 'selection', label: 'main.ts:1-2', language: 'ts', text: 'const a = 1;\nconst b = 2;' },
      { kind: 'problems', label: 'main.ts', language: '', text: 'line 2: error: b is unused' },
    ]);
    assert.equal(
      prompt,
      'Selected code from main.ts:1-2:\n```ts\nconst a = 1;\nconst b = 2;\n```\n\n' +
        'Problems reported in main.ts:\n```\nline 2: error: b is unused\n```\n\nWhat does it do?',
    );
  });

  it('fences text containing backticks with a longer fence', () => {
    const prompt = composeQuestion('?', [file('README.md', 'Run:\n```sh\nnpm test\n```')]);
    assert.ok(prompt.startsWith('The current file, README.md:\n````ts\n'));
    assert.ok(prompt.includes('\n````\n\n?'));
  });
});

describe('fitToBudget', () => {
  it('keeps pieces that fit whole', () => {
    const pieces = [file('a.ts', 'x'.repeat(40)), file('b.ts', 'y'.repeat(40))];
    assert.deepEqual(fitToBudget(pieces, 1_000), pieces);
  });

  it('cuts the piece that overflows and drops the ones after it', () => {
    const pieces = [file('a.ts', 'x'.repeat(400)), file('b.ts', 'y'.repeat(4_000)), file('c.ts', 'z')];
    const fitted = fitToBudget(pieces, 300);
    assert.equal(fitted.length, 2);
    assert.equal(fitted[0], pieces[0]);
    assert.ok(fitted[1].text.endsWith('… (cut to fit the context budget)'));
    assert.ok(estimateTokens(composeQuestion('', fitted)) <= 300);
  });
});
