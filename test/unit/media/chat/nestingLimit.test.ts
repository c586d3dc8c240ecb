import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import MarkdownIt from 'markdown-it';
import { renderMarkdown } from '../../../../media/chat/markdown';
import { maxContainerDepth, nestingNote } from '../../../../media/chat/nestingLimit';

/** markdown-it as the chat configures it, without the nesting limit. */
const unlimited = new MarkdownIt({ html: false, linkify: true }).disable('image');

const noteHtml = `<p class="nesting-note">${nestingNote}</p>`;
const count = (text: string, part: string) => text.split(part).length - 1;
const indentedList = (depth: number) => Array.from({ length: depth }, (_, i) => `${'  '.repeat(i)}- item ${i}`).join('\n');

describe('nesting limit', () => {
  it('keeps the text of a 5,000-deep quote and what follows it, and says where it cut', () => {
    const html = renderMarkdown(`${'> '.repeat(5_000)}deep quote\n\nThe end.\n`);
    assert.equal(count(html, '<blockquote>'), maxContainerDepth);
    assert.match(html, /(&gt; ){4984}deep quote/, 'the markers past the limit are shown as text');
    assert.equal(count(html, noteHtml), 1);
    assert.ok(html.endsWith('<p>The end.</p>\n'), html.slice(-200));
  });

  it('keeps the items of a 3,000-deep list and the text after it', () => {
    const html = renderMarkdown(`${indentedList(3_000)}\n\nThe end.\n`);
    assert.equal(count(html, '<ul>'), maxContainerDepth);
    assert.match(html, /- item 2999/);
    assert.ok(html.indexOf(noteHtml) < html.indexOf('- item 16'), 'the note comes where the list is cut');
    assert.ok(html.endsWith('<p>The end.</p>\n'), html.slice(-200));
  });

  it('keeps a 3,000-deep list written on one line', () => {
    const html = renderMarkdown(`${'- '.repeat(3_000)}deep item\n\nThe end.\n`);
    assert.equal(count(html, '<ul>'), maxContainerDepth);
    assert.match(html, /deep item/);
    assert.ok(html.endsWith('<p>The end.</p>\n'));
  });

  it('cuts mixed quotes and lists by their depth together', () => {
    const html = renderMarkdown(`${'> 1. '.repeat(10)}deep\n\nThe end.`);
    assert.equal(count(html, '<blockquote>') + count(html, '<ol>'), maxContainerDepth);
    assert.match(html, /&gt; 1\. &gt; 1\. deep/);
    assert.equal(count(html, noteHtml), 1);
  });

  it('puts one note before each run of plain text, on a line of its own even in a tight list', () => {
    const limit = '> '.repeat(maxContainerDepth);
    const oneRun = renderMarkdown(`${limit}> first\n${limit}\n${limit}> second\n\nAfter.`);
    assert.equal(count(oneRun, noteHtml), 1);
    assert.match(oneRun, /<p>&gt; first<\/p>\n<p>&gt; second<\/p>/);
    const twoRuns = renderMarkdown(`${limit}> first\n\nBetween.\n\n${limit}> second`);
    assert.equal(count(twoRuns, noteHtml), 2);
    assert.match(renderMarkdown(indentedList(maxContainerDepth + 1)), /<li>item 15\n<p class="nesting-note">/);
  });

  it('renders quotes and lists up to the limit exactly as markdown-it does', () => {
    for (const source of [
      `${'> '.repeat(maxContainerDepth)}deepest quote\n\nafter`,
      `${indentedList(maxContainerDepth)}\n\nafter`,
      `${Array.from({ length: maxContainerDepth }, (_, i) => `${'   '.repeat(i)}1. step ${i}`).join('\n')}`,
      '- a\n\n  - b\n\n    > c\n    > > d\n    >\n    > - e\n\n1) x\n2) y\n\n* * *\n\n- [ ] task\n+ plus\n\n> quote\nlazy line\n\n10. ten\n11. eleven',
      `${'> '.repeat(maxContainerDepth - 1)}- the deepest item\n\n${'- '.repeat(maxContainerDepth - 1)}> the deepest quote`,
    ]) {
      assert.equal(renderMarkdown(source), unlimited.render(source), source);
    }
  });

  it('leaves code alone, at any depth', () => {
    const code = `${'> '.repeat(40)}quoted\n${' '.repeat(80)}- indented item\n${'  '.repeat(30)}1. step`;
    const escaped = code.replace(/>/g, '&gt;');
    assert.equal(renderMarkdown(`\`\`\`\n${code}\n\`\`\``), `<pre><code>${escaped}\n</code></pre>\n`);
    const inQuote = renderMarkdown(`${'> '.repeat(10)}\`\`\`\n${code.split('\n').map((line) => `${'> '.repeat(10)}${line}`).join('\n')}\n${'> '.repeat(10)}\`\`\``);
    assert.match(inQuote, new RegExp(`<pre><code>${escaped.replace(/[.*+?^${}()|[\]\\]/g, '\\$&')}\n</code></pre>`));
    assert.doesNotMatch(inQuote, /nesting-note/);
    const indented = renderMarkdown(`Text:\n\n    ${'> '.repeat(40)}x\n        - y`);
    assert.match(indented, /<pre><code>(&gt; ){40}x\n    - y\n<\/code><\/pre>/);
  });

  it('renders the pathological inline part of the hostile corpus and what follows it', () => {
    const html = renderMarkdown(`${'['.repeat(10_000)}${']'.repeat(10_000)}${'*'.repeat(10_000)}\n\nThe end.`);
    assert.ok(html.endsWith('<p>The end.</p>\n'));
  });
});
