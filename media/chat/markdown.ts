/**
 * Model markdown -> HTML, configured for untrusted input: raw HTML is escaped, only http(s) links
 * become links, images are not rendered (they would fetch remote content), and code fences are
 * highlighted with a `language-*` class. The output still goes through the sanitizer before use.
 */
import hljs from 'highlight.js/lib/common';
import MarkdownIt from 'markdown-it';
import { isWebLink } from '../../extension/chat/links';

function highlight(code: string, language: string): string {
  if (language && hljs.getLanguage(language)) {
    return hljs.highlight(code, { language, ignoreIllegals: true }).value;
  }
  // Empty: markdown-it escapes the code itself.
  return '';
}

const markdown = new MarkdownIt({ html: false, linkify: true, highlight }).disable('image');
markdown.validateLink = isWebLink;

export function renderMarkdown(source: string): string {
  return markdown.render(source);
}
