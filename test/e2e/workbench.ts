/**
 * Driving the VS Code 1.100 workbench in a page the way a user does: opening it on a folder, running commands
 * from the palette, opening files with Quick Open, finding a webview's content frame.
 */
import type { Browser, Frame, Page } from 'playwright-core';
import { VIEWPORT } from './browser';
import type { CodeServer } from './codeServer';
import { sleep } from './wait';

const QUICK_INPUT = '.quick-input-widget';
const ERROR_DIALOG = '.monaco-dialog-box';
/** How long after running a command an error dialog is waited for. */
const COMMAND_ERROR_GRACE_MS = 1_500;

export async function openWorkbench(browser: Browser, server: CodeServer, folder: string, timeoutMs: number): Promise<Page> {
  const context = await browser.newContext({ viewport: VIEWPORT });
  const page = await context.newPage();
  await page.goto(`${server.url}/?folder=${encodeURIComponent(folder)}`);
  await page.locator('.monaco-workbench .part.statusbar').waitFor({ timeout: timeoutMs });
  // The explorer lists the folder once the remote file system answers: the workbench is usable.
  await page.locator('.explorer-folders-view .monaco-list-row').first().waitFor({ timeout: timeoutMs });
  return page;
}

/**
 * Runs a command by its palette label, e.g. `Rook: Open Chat`. A command that throws makes the workbench
 * show an error dialog: its message is thrown here, and the dialog closed.
 */
export async function runCommand(page: Page, label: string): Promise<void> {
  await page.keyboard.press('F1');
  await pickFromQuickInput(page, label);
  const dialog = page.locator(ERROR_DIALOG);
  const failed = await dialog.waitFor({ state: 'visible', timeout: COMMAND_ERROR_GRACE_MS }).then(
    () => true,
    () => false,
  );
  if (failed) {
    const message = (await dialog.locator('.dialog-message-container').innerText()).replace(/\s+/g, ' ').trim();
    await page.keyboard.press('Escape');
    throw new Error(message);
  }
}

export async function openFile(page: Page, fileName: string): Promise<void> {
  await page.keyboard.press('Control+P');
  await pickFromQuickInput(page, fileName);
  await page.locator(`.tabs-container .tab.active[aria-label*="${fileName}"]`).waitFor({ timeout: 30_000 });
}

async function pickFromQuickInput(page: Page, text: string): Promise<void> {
  const input = page.locator(`${QUICK_INPUT} .quick-input-box input`);
  await input.waitFor({ state: 'visible', timeout: 30_000 });
  await page.keyboard.type(text);
  const rows = page.locator(`${QUICK_INPUT} .quick-input-list .monaco-list-row`);
  const row = rows.filter({ hasText: text }).first();
  try {
    await row.waitFor({ timeout: 30_000 });
  } catch {
    const listed = (await rows.allInnerTexts()).map((label) => label.replace(/\s+/g, ' ').trim());
    await page.keyboard.press('Escape');
    throw new Error(`no "${text}" in the quick pick, which lists: ${listed.join('; ') || 'nothing'}`);
  }
  await row.click();
  await page.locator(QUICK_INPUT).waitFor({ state: 'hidden', timeout: 10_000 });
}

/** The frame of a webview (they sit in nested iframes) that contains `selector`. */
export async function findWebviewFrame(page: Page, selector: string, timeoutMs: number): Promise<Frame> {
  const deadline = Date.now() + timeoutMs;
  while (Date.now() < deadline) {
    for (const frame of page.frames()) {
      const found = await frame.$(selector).catch(() => null);
      if (found) return frame;
    }
    await sleep(250);
  }
  throw new Error(`no webview frame contains ${selector} after ${timeoutMs / 1000} s`);
}
