// The markdown configuration is checked here in Node. DOMPurify (media/chat/sanitize.ts) needs a DOM
// and is left to the browser tests.
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { highlightLimit, renderMarkdown } from '../../../../media/chat/markdown';

describe('renderMarkdown', () => {
  it('escapes raw HTML instead of emitting tags', () => {
    const html = renderMarkdown('Hello <script>alert(1)</script> <img src=x onerror="alert(1)">\n\n<iframe src="https://evil.example"></iframe>');
    assert.doesNotMatch(html, /<script|<img|<iframe/i);
    assert.match(html, /&lt;script&gt;alert\(1\)&lt;\/script&gt;/);
    assert.match(html, /&lt;iframe/);
  });

  it('renders http(s) links', () => {
    assert.match(renderMarkdown('[docs](https://example.com/docs)'), /<a href="https:\/\/example\.com\/docs">docs<\/a>/);
    assert.match(renderMarkdown('[local](http://127.0.0.1:8000/v1)'), /<a href="http:\/\/127\.0\.0\.1:8000\/v1">/);
  });

  it('does not render links to other schemes or relative targets', () => {
    for (const source of [
      '[click](javascript:alert(1))',
      '[click](JAVASCRIPT:alert(1))',
      '[click](jav&#x09;ascript:alert(1))',
      '[click](data:text/html;base64,PHNjcmlwdD4=)',
      '[click](vbscript:msgbox)',
      '[click](file:///etc/passwd)',
      '[click](command:workbench.action.terminal.new)',
      '[click](/relative/path)',
      '<javascript:alert(1)>',
      '[click][ref]\n\n[ref]: javascript:alert(1)',
    ]) {
      const html = renderMarkdown(source);
      assert.doesNotMatch(html, /<a\b/i, source);
    }
  });

  it('linkifies bare web URLs but not other schemes', () => {
    assert.match(renderMarkdown('See https://example.com/x for more.'), /<a href="https:\/\/example\.com\/x">/);
    assert.doesNotMatch(renderMarkdown('Mail someone@example.com'), /<a\b/);
  });

  it('does not render images, which would load remote content', () => {
    const html = renderMarkdown('![tracker](https://example.com/pixel.png)');
    assert.doesNotMatch(html, /<img/i);
  });

  it('highlights code fences and labels them with their language', () => {
    const html = renderMarkdown('```typescript\nconst answer: number = 42;\n```');
    assert.match(html, /<pre><code class="language-typescript">/);
    assert.match(html, /<span class="hljs-keyword">const<\/span>/);
    assert.match(html, /<span class="hljs-number">42<\/span>/);
  });

  it('shows code longer than highlightLimit escaped but not highlighted', () => {
    const line = 'let less = 1 < 2;\n';
    const code = line.repeat(Math.floor(highlightLimit / line.length) + 1);
    assert.equal(renderMarkdown(`\`\`\`ts\n${code}\`\`\``), `<pre><code class="language-ts">${code.replace(/</g, '&lt;')}</code></pre>\n`);
    assert.match(renderMarkdown(`\`\`\`ts\n${code.slice(line.length)}\`\`\``), /<span class="hljs-keyword">let<\/span>/, 'up to the limit it is highlighted');
  });

  it('escapes code in fences of unknown or missing language', () => {
    const unknown = renderMarkdown('```nosuchlang\n<script>alert(1)</script>\n```');
    assert.match(unknown, /<code class="language-nosuchlang">&lt;script&gt;/);
    const plain = renderMarkdown('```\n</code><script>alert(1)</script>\n```');
    assert.match(plain, /<pre><code>&lt;\/code&gt;&lt;script&gt;/);
    assert.doesNotMatch(plain, /<script/);
  });

  it('escapes HTML inside highlighted code', () => {
    const html = renderMarkdown('```html\n<script>alert(1)</script>\n```');
    assert.doesNotMatch(html, /<script/);
    assert.match(html, /&lt;/);
  });

  it('escapes a hostile fence language name', () => {
    const html = renderMarkdown('```"><script>alert(1)</script>\ncode\n```');
    assert.doesNotMatch(html, /<script/);
  });

  it('renders an unfinished fence while an answer is still streaming', () => {
    const html = renderMarkdown('Here:\n```python\ndef f(');
    assert.match(html, /<code class="language-python">/);
    assert.match(html, /def/);
  });
});
