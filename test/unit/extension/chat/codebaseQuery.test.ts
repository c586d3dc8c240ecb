import { describe, test } from 'node:test';
import * as assert from 'node:assert/strict';
import { codebaseQuery, mentionedPaths } from '../../../../extension/chat/contextPrompt';
import { isExtensionMessage, isWebviewMessage } from '../../../../extension/chat/messages';

describe('@codebase and @folder in chat questions', () => {
  test('@codebase asks the index with the question less its mentions; @folder:PATH narrows it', () => {
    assert.deepEqual(codebaseQuery('@codebase where is the VAT rate computed?'), { query: 'where is the VAT rate computed?' });
    assert.deepEqual(codebaseQuery('How are invoices parsed @folder:src/billing/ and @main.ts'), { query: 'How are invoices parsed and', within: 'src/billing' });
    assert.deepEqual(codebaseQuery('Explain @folder:../outside.'), { query: 'Explain' });
    assert.equal(codebaseQuery('Explain @main.ts'), undefined);
    assert.equal(codebaseQuery('mail me at me@codebase.dev'), undefined);
  });

  test('@codebase and @folder are not file mentions', () => {
    assert.deepEqual(mentionedPaths('@codebase @folder:src see @src/app.ts'), ['src/app.ts']);
  });

  test('sources and their links are checked like every message', () => {
    assert.equal(isExtensionMessage({ type: 'sources', id: 3, labels: ['src/a.ts:1-24'] }), true);
    assert.equal(isExtensionMessage({ type: 'sources', id: 3, labels: [1] }), false);
    assert.equal(isWebviewMessage({ type: 'openSource', id: 3, index: 0 }), true);
    assert.equal(isWebviewMessage({ type: 'openSource', id: 3, index: '0' }), false);
  });
});
