/**
 * Phase B, first run (issue 17): a VS Code of its own with a fresh profile and nothing of Rook configured, on a
 * machine where two real model servers listen on their default loopback ports: `rook serve` (Rook's embedded
 * model) on 8000, and the OpenAI-protocol test server answering Ollama's documented API on 11434.
 * - the Get Started walkthrough opens on the first start;
 * - the first-run search finds both servers and offers them; choosing the rook serve model and confirming writes
 *   the user settings, and the chat then answers from that server;
 * - after a reload with the embedded model chosen, Rook says once that it is a demo, with the ways to a real model;
 *   "Don't Show Again" is remembered across the next reload; Rook does not open the walkthrough again.
 */
import * as fs from 'node:fs';
import * as path from 'node:path';
import type { Browser, Frame, Page } from 'playwright-core';
import { startServe, type ServeProcess } from '../../serve/serveProcess';
import { startOpenAIServer, type OpenAIServer } from '../../support/openaiServer';
import { installExtension, startCodeServer } from '../codeServer';
import { Scenario, type Results } from '../results';
import { createSandbox, type Sandbox } from '../sandbox';
import { sleep, waitUntil } from '../wait';
import { findWebviewFrame, openWorkbench, runCommand } from '../workbench';
import { CHAT_INPUT, ROOK_STATUS_ITEM } from './chatSelectors';

const WORKBENCH_LOAD_TIMEOUT_MS = 90_000;
const OLLAMA_PORT = 11434;
const ROOK_SERVE_PORT = 8000;
/** How long a default port taken by something else is waited for. */
const PORT_WAIT_MS = 60_000;
const SERVE_MODEL = 'rook-moe-mini';
const OLLAMA_MODEL = 'qwen2.5-coder:1.5b';
const TOAST = '.notifications-toasts .notification-toast';
const QUICK_PICK_ROW = '.quick-input-widget .quick-input-list .monaco-list-row';
const PICKER_TITLE = '.quick-input-widget .quick-input-title';
const DIALOG = '.monaco-dialog-box';
/** The walkthrough's title (package.json `contributes.walkthroughs`), shown in the Welcome editor. */
const WALKTHROUGH_TITLE = 'Get Started with Rook';
const WELCOME_EDITOR = '.gettingStartedContainer';

export interface FirstRunOptions {
  codeServerBinary: string;
  vsixPath: string;
  extensionId: string;
  repoRoot: string;
  logFile: string;
  screenshot: string;
}

export async function checkFirstRun(browser: Browser, results: Results, options: FirstRunOptions): Promise<void> {
  const scenario = new Scenario(results, 'UI first run');
  const teardown: (() => Promise<unknown>)[] = [];
  let page: Page | undefined;
  let sandbox: Sandbox | undefined;
  let chat: Frame | undefined;
  try {
    await scenario.step(`rook serve listens on 127.0.0.1:${ROOK_SERVE_PORT} and an Ollama-protocol server on ${OLLAMA_PORT}`, async () => {
      // The sidecar layer's discovery test listens on the same default ports for a few seconds: a run beside it waits.
      const ollama: OpenAIServer = await whilePortBusy(OLLAMA_PORT, () =>
        startOpenAIServer({
          reply: () => 'from the Ollama-protocol server',
          ollama: { version: '0.6.0', models: [{ name: OLLAMA_MODEL, template: '{{- if .Suffix }}<|fim_prefix|>{{ .Prompt }}<|fim_suffix|>{{ .Suffix }}<|fim_middle|>{{- else }}{{ .Prompt }}{{ end }}' }] },
          port: OLLAMA_PORT,
        }),
      );
      teardown.push(() => ollama.close());
      const serve: ServeProcess = await whilePortBusy(ROOK_SERVE_PORT, () =>
        startServe(['--model', path.join(options.repoRoot, 'models', SERVE_MODEL), '--port', String(ROOK_SERVE_PORT)]),
      );
      teardown.push(() => serve.stop());
    });

    await scenario.step(`on the first start with nothing configured, the "${WALKTHROUGH_TITLE}" walkthrough opens`, async () => {
      sandbox = await createSandbox();
      const created = sandbox;
      teardown.push(() => created.remove());
      await installExtension(options.codeServerBinary, sandbox, options.vsixPath, options.extensionId);
      const server = await startCodeServer(options.codeServerBinary, sandbox, { logFile: options.logFile });
      teardown.push(() => server.stop());
      page = await openWorkbench(browser, server, sandbox.workspaceDir, WORKBENCH_LOAD_TIMEOUT_MS);
      const opened = page;
      teardown.push(() => opened.context().close());
      await page.locator(WELCOME_EDITOR, { hasText: WALKTHROUGH_TITLE }).first().waitFor({ timeout: 60_000 });
      await page.locator(WELCOME_EDITOR, { hasText: 'Use a server on this machine' }).first().waitFor({ timeout: 10_000 });
    });

    const offer = () => page!.locator(TOAST, { hasText: 'Rook found model servers on this machine' });
    await scenario.step('the first-run search finds both servers on their default ports and offers them', async () => {
      await offer().waitFor({ timeout: 60_000 });
      const text = (await offer().innerText()).replace(/\s+/g, ' ');
      for (const part of ['Ollama 0.6.0', `rook serve (${SERVE_MODEL})`, 'Nothing changes until you choose and confirm']) {
        if (!text.includes(part)) throw new Error(`the offer does not mention "${part}": ${text}`);
      }
      const settings = readUserSettings(sandbox!);
      if ('rook.engine' in settings || 'rook.openai.endpoints' in settings) throw new Error(`settings changed before the user chose: ${JSON.stringify(settings)}`);
    });

    await scenario.step('choosing the rook serve model and confirming writes the user settings', async () => {
      await offer().getByRole('button', { name: 'Choose a Model…' }).click();
      await page!.locator(PICKER_TITLE, { hasText: 'Rook: models on this machine' }).waitFor({ timeout: 10_000 });
      const rows = (await page!.locator(`${QUICK_PICK_ROW} .label-name`).allInnerTexts()).map((label) => label.trim());
      if (!rows.includes(OLLAMA_MODEL) || !rows.includes(SERVE_MODEL)) throw new Error(`the quick pick lists ${rows.join(', ')}`);
      await page!.locator(QUICK_PICK_ROW).filter({ has: page!.locator('.label-name', { hasText: new RegExp(`^\\s*${SERVE_MODEL}\\s*$`) }) }).click();
      const dialog = page!.locator(DIALOG);
      await dialog.waitFor({ timeout: 10_000 });
      const question = (await dialog.innerText()).replace(/\s+/g, ' ');
      if (!question.includes(`rook.openai.endpoints to ["http://127.0.0.1:${ROOK_SERVE_PORT}/v1"]`)) throw new Error(`the confirmation says: ${question}`);
      await dialog.getByRole('button', { name: 'Use It' }).click();
      const expected = (settings: Record<string, unknown>) =>
        settings['rook.engine'] === 'openai' &&
        JSON.stringify(settings['rook.openai.endpoints']) === JSON.stringify([`http://127.0.0.1:${ROOK_SERVE_PORT}/v1`]) &&
        settings['rook.openai.model'] === SERVE_MODEL;
      await waitUntil(() => expected(readUserSettings(sandbox!)), 10_000, 'the user settings do not point at rook serve').catch(() => {
        throw new Error(`the user settings are ${JSON.stringify(readUserSettings(sandbox!))}`);
      });
    });

    await scenario.step('the chat then names rook serve\'s model as the engine that answers', async () => {
      await runCommand(page!, 'Rook: Open Chat');
      chat = await findWebviewFrame(page!, CHAT_INPUT, 30_000);
      await chat.locator('#status', { hasText: `openai · ${SERVE_MODEL}` }).waitFor({ timeout: 30_000 });
    });

    const notice = () => page!.locator(TOAST, { hasText: 'Rook is using its embedded model' });
    await scenario.step('after choosing the embedded model and a reload, Rook says once that it is a demo, with the ways to a real model', async () => {
      await chat!.locator('#pick-engine').click();
      await page!.locator(PICKER_TITLE, { hasText: 'Engine for Rook' }).waitFor({ timeout: 10_000 });
      await page!.locator(QUICK_PICK_ROW).filter({ has: page!.locator('.label-name', { hasText: /^\s*local$/ }) }).click();
      await chat!.locator('#status', { hasText: `local · ${SERVE_MODEL}` }).waitFor({ timeout: 30_000 });
      // This session already had its notice (the offer of servers): none now.
      if (await notice().isVisible()) throw new Error('the embedded-model notice showed in the session that offered servers');
      await page!.reload();
      await page!.locator(ROOK_STATUS_ITEM).first().waitFor({ timeout: 90_000 });
      await notice().waitFor({ timeout: 60_000 });
      const buttons = (await notice().getByRole('button').allInnerTexts()).map((label) => label.trim()).filter(Boolean);
      for (const action of ['Find Model Servers', 'Other Ways…', "Don't Show Again"]) {
        if (!buttons.includes(action)) throw new Error(`the notice offers ${buttons.join(', ')}`);
      }
      // VS Code restores the walkthrough's editor if it was open, so Rook's own log says whether it opened it again.
      const opened = walkthroughOpenings(sandbox!);
      if (opened !== 1) throw new Error(`Rook opened the walkthrough ${opened} times`);
      await page!.screenshot({ path: options.screenshot });
    });

    await scenario.step('"Don\'t Show Again" is remembered: after the next reload no notice comes', async () => {
      await notice().getByRole('button', { name: "Don't Show Again" }).click();
      await notice().waitFor({ state: 'detached', timeout: 10_000 });
      // globalState is written when the button is handled; give it a moment before the page goes.
      await sleep(1_000);
      await page!.reload();
      // Ready (the status bar's sparkle) on the embedded model, which the settings still choose.
      await page!.locator(ROOK_STATUS_ITEM).locator('.codicon-sparkle').first().waitFor({ timeout: 90_000 });
      // The notice follows the ready status at once; a few seconds more is ample.
      await sleep(4_000);
      if (await notice().count()) throw new Error('the embedded-model notice came back');
    });
  } finally {
    for (const undo of teardown.reverse()) await undo().catch((error) => console.error(`first run teardown: ${error}`));
  }
}

/** Retries `start` while `port` is taken (EADDRINUSE), for up to a minute, then says who should free it. */
async function whilePortBusy<T>(port: number, start: () => Promise<T>): Promise<T> {
  const deadline = Date.now() + PORT_WAIT_MS;
  for (;;) {
    try {
      return await start();
    } catch (error) {
      const busy = /EADDRINUSE|address already in use/.test((error as Error).message);
      if (!busy) throw error;
      if (Date.now() > deadline) throw new Error(`127.0.0.1:${port} stayed in use for ${PORT_WAIT_MS / 1000} s: stop what listens there (a model server, another test run) to run this check`);
      await sleep(1_000);
    }
  }
}

/** How often Rook's log (every extension host's) says it opened the walkthrough. */
function walkthroughOpenings(sandbox: Sandbox): number {
  const logs = path.join(sandbox.userDataDir, 'logs');
  const files = fs.existsSync(logs) ? fs.readdirSync(logs, { recursive: true }).map(String).filter((file) => file.endsWith(path.join('rook-dev.rook', 'Rook.log'))) : [];
  return files.reduce((count, file) => count + fs.readFileSync(path.join(logs, file), 'utf8').split('First run: opening the Get Started walkthrough.').length - 1, 0);
}

/**
 * The user's settings as VS Code keeps them for this machine: in a remote window (code-server) machine-scoped
 * settings (rook.engine, rook.openai.*) written to the user level go to `Machine/settings.json`, the rest to
 * `User/settings.json`. VS Code writes plain JSON there (the sandbox wrote no comments).
 */
function readUserSettings(sandbox: Sandbox): Record<string, unknown> {
  const read = (folder: string) => {
    const file = path.join(sandbox.userDataDir, folder, 'settings.json');
    try {
      return JSON.parse(fs.readFileSync(file, 'utf8')) as Record<string, unknown>;
    } catch {
      // Not there yet, or caught while VS Code rewrites it: read again on the next poll.
      return {};
    }
  };
  return { ...read('User'), ...read('Machine') };
}
