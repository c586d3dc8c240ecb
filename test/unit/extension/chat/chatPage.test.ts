import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { renderChatPage } from '../../../../extension/chat/chatPage';

const resources = {
  cspSource: 'https://file+.vscode-resource.vscode-cdn.net',
  nonce: 'n0nce+/=',
  scriptUri: 'https://file+.vscode-resource.vscode-cdn.net/ext/dist/webview/chat.js',
  styleUri: 'https://file+.vscode-resource.vscode-cdn.net/ext/media/chat/chat.css',
  codiconsUri: 'https://file+.vscode-resource.vscode-cdn.net/ext/node_modules/@vscode/codicons/dist/codicon.css',
};

function contentSecurityPolicy(html: string): string {
  const match = /<meta http-equiv="Content-Security-Policy" content="([^"]*)">/.exec(html);
  assert.ok(match, 'page has a CSP meta tag');
  return match[1];
}

describe('renderChatPage', () => {
  const html = renderChatPage(resources);

  it('sets a strict Content-Security-Policy', () => {
    assert.equal(
      contentSecurityPolicy(html),
      "default-src 'none'; script-src 'nonce-n0nce+/='; style-src https://file+.vscode-resource.vscode-cdn.net; " +
        'font-src https://file+.vscode-resource.vscode-cdn.net; img-src https://file+.vscode-resource.vscode-cdn.net data:',
    );
    assert.doesNotMatch(html, /unsafe-inline|unsafe-eval/);
  });

  it('loads only the nonced bundle as script, and no inline script, style or handler', () => {
    const scripts = html.match(/<script\b[^>]*>/g) ?? [];
    assert.deepEqual(scripts, [`<script nonce="n0nce+/=" src="${resources.scriptUri}">`]);
    assert.doesNotMatch(html, /<style\b|\sstyle=|\son[a-z]+=/i);
  });

  it('links the chat and codicon style sheets', () => {
    assert.ok(html.includes(`<link rel="stylesheet" href="${resources.styleUri}">`));
    assert.ok(html.includes(`<link rel="stylesheet" href="${resources.codiconsUri}">`));
  });

  it('provides the element hooks the page script and browser tests use', () => {
    for (const hook of ['id="messages"', '<textarea id="input"', '<button id="send"', '<button id="stop"', 'id="status"', '<button id="pick-engine"', '<button id="new-chat"', '<button id="history-toggle"', '<ul id="history-list"', 'id="context"', '<ul id="mentions"']) {
      assert.ok(html.includes(hook), hook);
    }
  });
});
