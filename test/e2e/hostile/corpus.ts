/**
 * Hostile model outputs: answers a compromised or prompt-injected model could stream into the chat view.
 * Each one tries to run script (which would call the `rookCanary` binding, set `window.__pwned` or log
 * `ROOK-PWNED`) or to make the webview fetch something (which would hit the canary server). Rendered
 * through the real webview, none may do either. Every answer ends with a line of plain text, `endMarker`,
 * that shows it was rendered at all.
 */

export interface HostileAnswer {
  name: string;
  markdown: string;
  /** Plain text at the end of the answer; visible once the whole answer has been rendered. */
  endMarker: string;
}

/** What a payload's script would do if it ran: every channel the browser check watches. */
function pwn(name: string, canaryUrl: string): string {
  return `window.__pwned='${name}';console.log('ROOK-PWNED ${name}');window.rookCanary&&rookCanary('${name}');fetch('${canaryUrl}/js/${name}')`;
}

/** The bodies of the corpus, before their end marker; `canaryUrl` is e.g. `http://127.0.0.1:41234`. */
function payloads(canaryUrl: string): { name: string; markdown: string }[] {
  const js = (name: string) => pwn(name, canaryUrl);
  const hit = (name: string) => `${canaryUrl}/hit/${name}`;
  const entityEncodedJavascript = 'javascript:'.split('').map((c) => `&#${c.charCodeAt(0)};`).join('');
  const dataPage = Buffer.from(`<script>${js('data-link-page')}</script>`).toString('base64');
  return [
    { name: 'script-tag', markdown: `Here you go:\n\n<script>${js('script-tag')}</script>\n\n<script src="${hit('script-src')}"></script>` },
    { name: 'inline-script-html-block', markdown: `<div>\n<script>${js('html-block')}</script>\n</div>` },
    { name: 'img-onerror', markdown: `<img src=x onerror="${js('img-onerror')}">\n\nText <img src="${hit('img-tag')}"> inline.` },
    { name: 'svg-onload', markdown: `<svg onload="${js('svg-onload')}"><circle r="1"/></svg>` },
    { name: 'svg-script', markdown: `<svg><script>${js('svg-script')}</script></svg>\n\n<svg><a href="javascript:${js('svg-link')}"><text>svg link</text></a></svg>` },
    { name: 'mathml-mutation', markdown: `<math><mtext><table><mglyph><style><img src=x onerror="${js('mathml')}"></style></mglyph></table></mtext></math>` },
    { name: 'noscript-mutation', markdown: `<noscript><p title="</noscript><img src=x onerror=${js('noscript')}>"></p></noscript>` },
    { name: 'event-attributes', markdown: `<a href="#" onclick="${js('onclick')}">a</a> <div onmouseover="${js('onmouseover')}" style="position:fixed;inset:0">x</div> <details open ontoggle="${js('ontoggle')}">d</details>` },
    { name: 'javascript-links', markdown: `[plain](javascript:${encodeURIComponent(js('md-link'))}) [upper](JaVaScRiPt:alert(1)) [spaced]( javascript:alert(1)) [tabbed](java\tscript:alert(1))` },
    { name: 'entity-encoded-links', markdown: `[entity](${entityEncodedJavascript}alert(1)) [hex](&#x6A;avascript:alert(1)) <a href="${entityEncodedJavascript}alert(1)">html</a>` },
    { name: 'data-and-vbscript-links', markdown: `[data](data:text/html;base64,${dataPage}) [vb](vbscript:msgbox(1)) [file](file:///etc/passwd) [command](command:workbench.action.terminal.new)` },
    { name: 'autolinks', markdown: `<javascript:alert(1)> <data:text/html,<script>alert(1)</script>> <vbscript:msgbox(1)> and www.example.com` },
    { name: 'css-import', markdown: `<style>@import url(${hit('css-import')});body{background:url(${hit('css-body')})}</style>` },
    { name: 'css-inline-style', markdown: `<p style="background:url(${hit('css-inline')})">styled</p> <span style="background-image:url('${hit('css-span')}')">s</span>` },
    { name: 'remote-images', markdown: `![tracker](${hit('md-image')}) ![ref][img]\n\n[img]: ${hit('md-image-ref')}\n\n<img srcset="${hit('srcset')} 1x">` },
    { name: 'iframe-object-embed', markdown: `<iframe src="${hit('iframe')}"></iframe><iframe srcdoc="<script>${js('srcdoc')}</script>"></iframe><object data="${hit('object')}"></object><embed src="${hit('embed')}">` },
    { name: 'form-and-base', markdown: `<base href="${hit('base')}/"><form action="${hit('form')}"><button formaction="javascript:${js('formaction')}">go</button><input autofocus onfocus="${js('autofocus')}"></form>` },
    { name: 'meta-refresh-and-link', markdown: `<meta http-equiv="refresh" content="0;url=${hit('meta-refresh')}"><link rel="stylesheet" href="${hit('link-css')}"><link rel="prefetch" href="${hit('prefetch')}">` },
    { name: 'code-fence-html', markdown: `\`\`\`html\n<img src=x onerror="${js('fence')}"><script>${js('fence-script')}</script>\n\`\`\`\n\n\`\`\`${'"><img src=x onerror=alert(1)>'}\nlanguage tag injection\n\`\`\`` },
    // A 5,000-deep quote and a 3,000-deep list, each far past markdown-it's nesting limit (past which it drops the
    // rest of the answer), then brackets and emphasis markers that nest without end. The list is on one line:
    // indented, one item a line, it would be 9 MB, over the 2,000,000 characters a chat request carries, and every
    // later question sends the answers before it back (the unit tests and bench/chat render that form).
    { name: 'deep-nesting', markdown: `${'> '.repeat(5_000)}deep quote\n\n${'- '.repeat(3_000)}deep item\n\n${'['.repeat(10_000)}${']'.repeat(10_000)}${'*'.repeat(10_000)}` },
    { name: 'long-code-block', markdown: `\`\`\`ts\n${Array.from({ length: 20_000 }, (_, i) => `  const value${i} = compute(${i}, 'item ${i}'); // line ${i}`).join('\n')}\n\`\`\`` },
    { name: 'malformed', markdown: `\`\`\`\nunterminated fence <script>${js('unterminated')}</script>\n\n| a | b |\n|---|\n| <img src=x onerror=${js('table')}> |\n\n<div><p><b><i>unclosed\n\n\`\`\`` },
    { name: 'huge', markdown: hugeAnswer() },
  ];
}

/** About 1 MB of ordinary markdown: the page must render it without hanging. */
function hugeAnswer(): string {
  const section = (i: number) =>
    `## Section ${i}\n\nSome **bold** text, a [link](https://example.com/${i}) and \`code\`.\n\n\`\`\`ts\nconst value${i} = ${i};\n\`\`\`\n\n`;
  const parts: string[] = [];
  let length = 0;
  for (let i = 0; length < 1_000_000; i++) {
    const part = section(i);
    parts.push(part);
    length += part.length;
  }
  return parts.join('');
}

export function hostileCorpus(canaryUrl: string): HostileAnswer[] {
  return payloads(canaryUrl).map(({ name, markdown }) => {
    const endMarker = `End of hostile answer ${name}.`;
    // Blank lines close whatever block the payload left open, so the marker is a paragraph of its own.
    return { name, markdown: `${markdown}\n\n\n\n${endMarker}\n`, endMarker };
  });
}
