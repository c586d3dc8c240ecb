/**
 * Phase B, hostile answers: in a VS Code whose engine answers with the hostile corpus (script tags, event
 * handlers, `javascript:` links, SVG/MathML, CSS exfiltration, remote images, frames, forms, huge and
 * malformed markdown), each answer is rendered by the real chat webview. Checked in the browser:
 * - no script from an answer runs: the `rookCanary` binding (exposed to every frame) is never called, no
 *   frame has `window.__pwned`, the console never says `ROOK-PWNED`;
 * - no request leaves the webview: the canary server records no hit, and the webview frames request
 *   nothing but code-server's own URLs and webview resources;
 * - the large answers (1 MB of markdown, a 20,000-line code block, a 5,000-deep quote and a 3,000-deep list)
 *   render completely, their last line included, and the page still answers afterwards.
 *
 * It runs in a VS Code of its own (sandbox, code-server, page) set up from the start with the hostile
 * engine: switching a running window's engine through its user settings is not reliable in code-server.
 */
import type { Browser, Frame, Page, Request } from 'playwright-core';
import { installExtension, startCodeServer } from '../codeServer';
import { startCanary } from '../hostile/canary';
import { hostileCorpus, type HostileAnswer } from '../hostile/corpus';
import { HOSTILE_MODEL, hostileQuestion, startHostileEngine } from '../hostile/hostileEngine';
import { Scenario, type Results } from '../results';
import { createSandbox } from '../sandbox';
import { findWebviewFrame, openWorkbench, runCommand } from '../workbench';
import { CHAT_INPUT, ROOK_STATUS_ITEM } from './chatSelectors';

/** Webview frames are served from here in VS Code 1.100 (the outer `index.html` and the content frame). */
const WEBVIEW_FRAME_PATH = '/contrib/webview/browser/pre/';
/** Webview resources (script, styles, fonts) are requested from this host and answered by VS Code. */
const WEBVIEW_RESOURCE_HOST = '.vscode-resource.vscode-cdn.net';
const WORKBENCH_LOAD_TIMEOUT_MS = 90_000;
const ANSWER_TIMEOUT_MS = 30_000;
/** The answers of megabytes, which stream for longer; how long each took is printed. */
const LARGE_ANSWERS = new Set(['huge', 'long-code-block', 'deep-nesting']);
const LARGE_ANSWER_TIMEOUT_MS = 120_000;
/** A page still responsive after rendering the huge answer evaluates a trivial expression this fast. */
const RESPONSIVE_MS = 2_000;
/** Only the names matter before the canary's address is known: the steps are listed either way. */
const PLACEHOLDER_CANARY = 'http://127.0.0.1:9';

export interface ChatSecurityOptions {
  codeServerBinary: string;
  vsixPath: string;
  extensionId: string;
  logFile: string;
  screenshot: string;
}

export async function checkChatSecurity(browser: Browser, results: Results, options: ChatSecurityOptions): Promise<void> {
  const scenario = new Scenario(results, 'UI chat security');
  const teardown: (() => Promise<unknown>)[] = [];
  const scriptRuns: string[] = [];
  const leavingRequests: string[] = [];
  let corpus = hostileCorpus(PLACEHOLDER_CANARY);
  let canaryHits: string[] = [];
  let page: Page | undefined;
  let chat: Frame | undefined;
  try {
    await scenario.step('a VS Code whose engine answers with the hostile corpus shows the chat', async () => {
      const canary = await startCanary();
      teardown.push(() => canary.close());
      canaryHits = canary.hits;
      corpus = hostileCorpus(canary.url);
      const engine = await startHostileEngine(corpus);
      teardown.push(() => engine.close());
      const sandbox = await createSandbox(engine.baseUrl);
      teardown.push(() => sandbox.remove());
      await installExtension(options.codeServerBinary, sandbox, options.vsixPath, options.extensionId);
      const server = await startCodeServer(options.codeServerBinary, sandbox, { logFile: options.logFile });
      teardown.push(() => server.stop());
      const opened = await openWorkbench(browser, server, sandbox.workspaceDir, WORKBENCH_LOAD_TIMEOUT_MS);
      page = opened;
      teardown.push(() => opened.context().close());
      // Installed before the chat exists, so that every frame it opens has them.
      await opened.exposeBinding('rookCanary', (_source, name: unknown) => scriptRuns.push(`binding: ${String(name)}`));
      opened.on('console', (message) => {
        if (message.text().includes('ROOK-PWNED')) scriptRuns.push(`console: ${message.text()}`);
      });
      opened.on('request', (request) => {
        if (leavesWebview(request, canary.url, server.url)) leavingRequests.push(request.url());
      });
      await opened.locator(ROOK_STATUS_ITEM).first().waitFor({ timeout: 60_000 });
      await runCommand(opened, 'Rook: Open Chat');
      chat = await findWebviewFrame(opened, CHAT_INPUT, 30_000);
      await chat.locator('#status', { hasText: HOSTILE_MODEL }).waitFor({ timeout: 30_000 });
    });
    await scenario.step('the canary binding is callable from the chat webview (so a running payload would be seen)', async () => {
      const type = await chat!.evaluate(() => typeof (window as unknown as { rookCanary?: unknown }).rookCanary);
      if (type !== 'function') throw new Error(`window.rookCanary is ${type} in the chat frame`);
    });
    for (const answer of corpus) {
      await scenario.step(`hostile answer "${answer.name}" is rendered inertly`, async () => {
        const started = Date.now();
        await ask(chat!, answer);
        if (LARGE_ANSWERS.has(answer.name)) console.log(`    "${answer.name}" (${answer.markdown.length} characters) asked and rendered in ${((Date.now() - started) / 1000).toFixed(1)} s`);
        const pwned = await pwnedFrames(page!);
        if (pwned.length > 0) throw new Error(`window.__pwned set in ${pwned.join(', ')}`);
        if (scriptRuns.length > 0) throw new Error(`a payload ran: ${scriptRuns.join('; ')}`);
      });
    }
    await scenario.step('the page still responds after the 1 MB answer', async () => {
      const started = Date.now();
      await chat!.evaluate(() => document.querySelectorAll('.message').length);
      if (Date.now() - started > RESPONSIVE_MS) throw new Error(`a trivial evaluation took ${Date.now() - started} ms`);
    });
    await scenario.step('no script from any answer ran', async () => {
      if (scriptRuns.length > 0) throw new Error(scriptRuns.join('; '));
    });
    await scenario.step('the canary server saw no request', async () => {
      if (canaryHits.length > 0) throw new Error(`hits: ${canaryHits.join(', ')}`);
    });
    await scenario.step('the webview requested nothing outside VS Code', async () => {
      if (leavingRequests.length > 0) throw new Error(`requests: ${leavingRequests.slice(0, 10).join(', ')}`);
    });
    await page?.screenshot({ path: options.screenshot });
  } finally {
    for (const undo of teardown.reverse()) await undo().catch((error) => console.error(`chat security teardown: ${error}`));
  }
}

async function ask(chat: Frame, answer: HostileAnswer): Promise<void> {
  const answers = chat.locator('.message.assistant');
  const newest = answers.nth(await answers.count());
  const input = chat.locator(CHAT_INPUT);
  await input.fill(hostileQuestion(answer));
  await input.press('Enter');
  const timeout = LARGE_ANSWERS.has(answer.name) ? LARGE_ANSWER_TIMEOUT_MS : ANSWER_TIMEOUT_MS;
  await newest.and(chat.locator('[data-state="done"]')).waitFor({ timeout }).catch(async () => {
    const shown = await newest.evaluate((element: HTMLElement) => `${element.dataset.state}, ${element.textContent?.length} characters`).catch(() => 'no answer');
    throw new Error(`the answer did not finish within ${timeout / 1000} s (${shown})`);
  });
  const text = (await newest.textContent()) ?? '';
  if (!text.includes(answer.endMarker)) throw new Error(`the answer ends ${JSON.stringify(text.slice(-120))}, not with its end marker`);
}

/** URLs of the frames in which a payload's script set `window.__pwned`. */
async function pwnedFrames(page: Page): Promise<string[]> {
  const pwned: string[] = [];
  for (const frame of page.frames()) {
    const value = await frame.evaluate(() => (window as unknown as { __pwned?: unknown }).__pwned).catch(() => undefined);
    if (value !== undefined) pwned.push(`${frame.url()} (${String(value)})`);
  }
  return pwned;
}

/** Whether `request` goes to the canary, or comes from a webview frame and goes anywhere but VS Code itself. */
function leavesWebview(request: Request, canaryUrl: string, codeServerUrl: string): boolean {
  const url = request.url();
  if (url.startsWith(canaryUrl)) return true;
  let frameUrl: string;
  try {
    frameUrl = request.frame().url();
  } catch {
    // Service-worker requests have no frame; the webview's service worker only serves its resources.
    return false;
  }
  if (!frameUrl.includes(WEBVIEW_FRAME_PATH)) return false;
  if (url.startsWith(codeServerUrl) || url.startsWith('data:') || url.startsWith('blob:')) return false;
  return !new URL(url).hostname.endsWith(WEBVIEW_RESOURCE_HOST);
}
