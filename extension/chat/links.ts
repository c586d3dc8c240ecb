/**
 * Which link targets chat may open. Shared by the webview's markdown renderer and sanitizer and by
 * the extension, which checks again before opening: model output is untrusted, and only web pages
 * are a safe thing to open from it (no `javascript:`, `command:`, `file:`, `vscode:` ...).
 */
export function isWebLink(href: string): boolean {
  try {
    const { protocol } = new URL(href);
    return protocol === 'http:' || protocol === 'https:';
  } catch {
    // Relative and malformed URLs have no meaning outside the webview.
    return false;
  }
}
