/**
 * The last gate before model output reaches the DOM. markdown-it is configured to emit only safe
 * markup; DOMPurify makes sure of it, keeping the tags markdown and highlight.js produce and only
 * http(s) link targets.
 */
import DOMPurify from 'dompurify';

const allowedTags = [
  'a', 'blockquote', 'br', 'code', 'del', 'em', 'h1', 'h2', 'h3', 'h4', 'h5', 'h6', 'hr', 'li', 'ol',
  'p', 'pre', 's', 'span', 'strong', 'table', 'tbody', 'td', 'th', 'thead', 'tr', 'ul',
];

export function sanitizeHtml(html: string): string {
  return DOMPurify.sanitize(html, {
    ALLOWED_TAGS: allowedTags,
    ALLOWED_ATTR: ['href', 'title', 'class', 'start'],
    ALLOWED_URI_REGEXP: /^https?:/i,
  });
}
