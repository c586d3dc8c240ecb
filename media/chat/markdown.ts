/**
 * Model markdown -> HTML, configured for untrusted input: raw HTML is escaped, only http(s) links
 * become links, images are not rendered (they would fetch remote content), quotes and lists nest at most
 * `maxContainerDepth` deep (nestingLimit.ts), and code fences are highlighted with a `language-*` class.
 * The output still goes through the sanitizer before use.
 */
import hljs from 'highlight.js/lib/common';
import MarkdownIt from 'markdown-it';
import { isWebLink } from '../../extension/chat/links';
import { nestingLimit } from './nestingLimit';

/**
 * Code longer than this (in characters, about 500 lines) is shown without highlighting: highlight.js takes
 * about 1 ms per KB and has no streaming mode, so a block of thousands of lines would hold the page for
 * seconds at once, and a streaming one on every frame (settledMarkdown.ts cuts such blocks into pieces).
 */
export const highlightLimit = 20_000;

function highlight(code: string, language: string): string {
  if (language && code.length <= highlightLimit && hljs.getLanguage(language)) {
    return hljs.highlight(code, { language, ignoreIllegals: true }).value;
  }
  // Empty: markdown-it escapes the code itself.
  return '';
}

const markdown = new MarkdownIt({ html: false, linkify: true, highlight }).disable('image').use(nestingLimit);
markdown.validateLink = isWebLink;

export function renderMarkdown(source: string): string {
  return markdown.render(source);
}
