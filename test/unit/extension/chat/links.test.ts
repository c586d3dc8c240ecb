import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { isWebLink } from '../../../../extension/chat/links';

describe('isWebLink', () => {
  it('accepts http and https URLs', () => {
    assert.equal(isWebLink('https://example.com/a?b=c#d'), true);
    assert.equal(isWebLink('http://127.0.0.1:8000/v1'), true);
    assert.equal(isWebLink('HTTPS://EXAMPLE.COM'), true);
  });

  it('rejects every other scheme, however it is disguised', () => {
    for (const href of [
      'javascript:alert(1)',
      'JavaScript:alert(1)',
      ' javascript:alert(1)',
      '\tjava\nscript:alert(1)',
      'data:text/html,<script>alert(1)</script>',
      'vbscript:msgbox(1)',
      'file:///etc/passwd',
      'command:workbench.action.terminal.new',
      'vscode://settings',
      'mailto:a@example.com',
    ]) {
      assert.equal(isWebLink(href), false, href);
    }
  });

  it('rejects relative and malformed links', () => {
    for (const href of ['/etc/passwd', '#top', 'example.com', '', 'http//example.com']) {
      assert.equal(isWebLink(href), false, href);
    }
  });
});
