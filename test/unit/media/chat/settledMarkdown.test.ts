import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { settledEnd } from '../../../../media/chat/settledMarkdown';

describe('settledEnd', () => {
  it('settles up to the last blank line', () => {
    const text = 'First paragraph.\n\nSecond one\nstill going';
    assert.equal(settledEnd(text, 0), 'First paragraph.\n\n'.length);
  });

  it('settles nothing before the first blank line', () => {
    assert.equal(settledEnd('Just one paragraph\nso far', 0), 0);
    assert.equal(settledEnd('A.\n\n\nB', 4), 5, 'a second blank line after the boundary moves it on');
    assert.equal(settledEnd('A.\n\nB', 4), 4);
  });

  it('never cuts inside a code fence, blank lines in the code included', () => {
    const open = 'Intro.\n\n```ts\nconst a = 1;\n\nconst b = 2;\n';
    assert.equal(settledEnd(open, 0), 'Intro.\n\n'.length);
    const closed = `${open}\`\`\`\n\nAfter.`;
    assert.equal(settledEnd(closed, 0), closed.length - 'After.'.length);
  });

  it('closes a fence only with the same character, at least as long', () => {
    const text = '````md\n```\n\ninner\n```\n\n````\n\nDone';
    assert.equal(settledEnd(text, 0), text.length - 'Done'.length);
    const tildes = '~~~\n```\n\n~~~\n\nx';
    assert.equal(settledEnd(tildes, 0), tildes.length - 1);
  });

  it('does not take inline code with backticks for a fence', () => {
    const text = '``` not a fence ` here\n\nNext';
    assert.equal(settledEnd(text, 0), text.length - 'Next'.length);
  });

  it('ignores an unfinished last line', () => {
    assert.equal(settledEnd('A.\n\n``', 0), 4);
    assert.equal(settledEnd('A.\n\n```', 0), 4, 'an opening fence without its newline yet');
  });

  it('continues from a settled boundary', () => {
    const text = 'A.\n\nB.\n\nC';
    assert.equal(settledEnd(text, 4), 8);
  });
});
