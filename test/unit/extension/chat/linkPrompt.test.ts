import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { hostScope, linkPrompt, openChatLink, type LinkOpener } from '../../../../extension/chat/linkPrompt';

/** Records what opening a link did; `answer` is the user's choice in the dialog. */
function recorder(answer: boolean): LinkOpener & { asked: Array<{ message: string; detail: string }>; opened: string[]; warnings: string[] } {
  const asked: Array<{ message: string; detail: string }> = [];
  const opened: string[] = [];
  const warnings: string[] = [];
  return {
    asked,
    opened,
    warnings,
    confirm: async (message, detail) => {
      asked.push({ message, detail });
      return answer;
    },
    open: async (url) => void opened.push(url),
    warn: (line) => void warnings.push(line),
  };
}

describe('chat links need confirmation', () => {
  it('every web link is asked about, with the full URL as the detail, and opens only when confirmed', async () => {
    for (const href of ['https://example.com/docs?q=1#x', 'http://127.0.0.1:8080/admin/delete?all=1', 'http://192.168.1.1/reboot']) {
      const declined = recorder(false);
      assert.equal(await openChatLink(href, declined), false, href);
      assert.deepEqual(declined.opened, [], `${href} not opened when declined`);
      assert.equal(declined.asked.length, 1);
      assert.equal(declined.asked[0].detail, href, 'the dialog shows the full URL');

      const confirmed = recorder(true);
      assert.equal(await openChatLink(href, confirmed), true, href);
      assert.deepEqual(confirmed.opened, [href]);
    }
  });

  it('links to this computer and the local network say so and name the host', () => {
    const local = linkPrompt('http://localhost:3000/api/shutdown')!;
    assert.equal(local.scope, 'this computer');
    assert.match(local.message, /^Open localhost:3000, on this computer\?.*chat answer.*only if you expected it/);
    const lan = linkPrompt('http://10.0.0.7/')!;
    assert.equal(lan.scope, 'local network');
    assert.match(lan.message, /^Open 10\.0\.0\.7, on your local network\?/);
    const web = linkPrompt('https://example.com/')!;
    assert.equal(web.scope, 'internet');
    assert.equal(web.message, 'Open example.com in your browser? The link comes from a chat answer.');
  });

  it('shows and opens the URL as parsed, so disguised hosts show what they are', () => {
    // Credentials before the host, decimal and hex IPv4, IPv4-mapped IPv6, a look-alike Unicode host.
    const cases: Array<[string, string, string]> = [
      ['https://github.com@127.0.0.1:9/x', '127.0.0.1:9', 'this computer'],
      ['http://2130706433/', '127.0.0.1', 'this computer'],
      ['http://0x7f.1:8000/', '127.0.0.1:8000', 'this computer'],
      ['http://[::ffff:127.0.0.1]/', '[::ffff:7f00:1]', 'this computer'],
      ['http://0.0.0.0:6379/', '0.0.0.0:6379', 'this computer'],
      ['https://gіthub.com/login', 'xn--gthub-n2e.com', 'internet'],
    ];
    for (const [href, host, scope] of cases) {
      const prompt = linkPrompt(href)!;
      assert.equal(prompt.host, host, href);
      assert.equal(prompt.scope, scope, href);
      assert.ok(prompt.message.includes(host), `${href}: ${prompt.message}`);
      assert.equal(prompt.detail, prompt.url);
      assert.equal(prompt.url, new URL(href).href);
    }
    assert.equal(linkPrompt('https://example.com/a b\u202e')!.detail, 'https://example.com/a%20b%E2%80%AE', 'spaces and bidi controls are percent-encoded');
  });

  it('keeps the allowed-schemes check: other links are never asked about nor opened', async () => {
    for (const href of ['javascript:alert(1)', 'command:workbench.action.terminal.new', 'file:///etc/passwd', 'vscode://settings', '/relative', '']) {
      assert.equal(linkPrompt(href), undefined, href);
      const opener = recorder(true);
      assert.equal(await openChatLink(href, opener), false, href);
      assert.deepEqual([opener.asked, opener.opened], [[], []], href);
      assert.equal(opener.warnings.length, 1);
    }
  });

  it('a failure to open is reported, not thrown', async () => {
    const opener = recorder(true);
    opener.open = async () => {
      throw new Error('no browser');
    };
    assert.equal(await openChatLink('https://example.com/', opener), false);
    assert.match(opener.warnings[0], /could not open example\.com: no browser/);
  });
});

describe('hostScope', () => {
  it('tells this computer, the local network and the internet apart', () => {
    const expected: Record<string, string[]> = {
      'this computer': ['127.0.0.1', '127.8.9.10', '0.0.0.0', 'localhost', 'localhost.', 'app.localhost', '[::1]', '[::]', '[::ffff:7f00:1]'],
      'local network': [
        '10.1.2.3',
        '172.16.0.1',
        '172.31.255.255',
        '192.168.0.10',
        '169.254.169.254',
        '100.64.0.1',
        '[fe80::1]',
        '[fd12:3456::1]',
        '[::ffff:c0a8:101]',
        'router',
        'printer.local',
        'nas.home.arpa',
        'db.internal',
      ],
      internet: ['example.com', '8.8.8.8', '172.32.0.1', '192.169.0.1', '[2001:db8::1]', '[fc::1]', 'localhost.example.com'],
    };
    for (const [scope, hosts] of Object.entries(expected)) {
      for (const host of hosts) assert.equal(hostScope(host), scope, host);
    }
  });
});
