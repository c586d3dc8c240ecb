/**
 * The chat webview's HTML shell. Everything it loads comes from the extension (`cspSource`) and the
 * only script is the bundle carrying the nonce: no inline scripts, handlers or styles, no remote
 * resources. The element ids are the hooks `media/chat/main.ts` and the browser tests rely on.
 */
export interface ChatPageResources {
  /** `webview.cspSource`. */
  cspSource: string;
  /** Fresh per page load. */
  nonce: string;
  scriptUri: string;
  styleUri: string;
  codiconsUri: string;
}

export function renderChatPage({ cspSource, nonce, scriptUri, styleUri, codiconsUri }: ChatPageResources): string {
  const csp = [
    "default-src 'none'",
    `script-src 'nonce-${nonce}'`,
    `style-src ${cspSource}`,
    `font-src ${cspSource}`,
    `img-src ${cspSource} data:`,
  ].join('; ');
  return `<!DOCTYPE html>
<html lang="en">
<head>
  <meta charset="UTF-8">
  <meta http-equiv="Content-Security-Policy" content="${csp}">
  <meta name="viewport" content="width=device-width, initial-scale=1.0">
  <link rel="stylesheet" href="${codiconsUri}">
  <link rel="stylesheet" href="${styleUri}">
  <title>Rook Chat</title>
</head>
<body>
  <header id="header">
    <div id="status" role="status"></div>
    <button id="pick-engine" class="icon-button" type="button" title="Choose the Engine" aria-label="Choose the Engine"><span class="codicon codicon-server-process"></span></button>
    <button id="new-chat" class="icon-button" type="button" title="New Conversation" aria-label="New Conversation"><span class="codicon codicon-add"></span></button>
    <button id="history-toggle" class="icon-button" type="button" title="Conversations" aria-label="Conversations" aria-expanded="false" aria-controls="history"><span class="codicon codicon-history"></span></button>
  </header>
  <nav id="history" aria-label="Conversations" hidden><ul id="history-list"></ul></nav>
  <main id="messages" role="log" aria-live="polite"></main>
  <div id="context" aria-live="polite"></div>
  <ul id="mentions" role="listbox" aria-label="Workspace files" hidden></ul>
  <footer id="composer">
    <textarea id="input" rows="1" placeholder="Ask Rook (Enter to send, Shift+Enter for a new line)" aria-label="Message"></textarea>
    <button id="send" type="button" title="Send (Enter)" aria-label="Send"><span class="codicon codicon-send"></span></button>
    <button id="stop" type="button" title="Stop (Escape)" aria-label="Stop" hidden><span class="codicon codicon-debug-stop"></span></button>
  </footer>
  <script nonce="${nonce}" src="${scriptUri}"></script>
</body>
</html>
`;
}
