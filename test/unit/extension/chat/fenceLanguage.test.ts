import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { languageIdOf } from '../../../../extension/chat/fenceLanguage';

describe('languageIdOf', () => {
  const known = ['typescript', 'python', 'shellscript', 'go', 'plaintext'];

  it('maps short fence tags to VS Code language ids', () => {
    assert.equal(languageIdOf('ts', known), 'typescript');
    assert.equal(languageIdOf(' PY ', known), 'python');
    assert.equal(languageIdOf('bash', known), 'shellscript');
  });

  it('takes a tag that already is a known id', () => {
    assert.equal(languageIdOf('go', known), 'go');
  });

  it('has no language for an empty or unknown tag', () => {
    assert.equal(languageIdOf('', known), undefined);
    assert.equal(languageIdOf('brainfuck', known), undefined);
    assert.equal(languageIdOf('rs', known), undefined, 'an alias of a language VS Code lacks');
  });
});
