/**
 * Phase B, code blocks of an answer turned into edits: Insert at Cursor puts the block into the document
 * exactly as shown and one Undo restores it; Apply to File opens the edit review (the refactor commands' diff)
 * and, once accepted, makes the file the block, again undone by one Undo; New File opens the block in an untitled editor. The document is
 * checked byte for byte by saving it and reading the file.
 */
import * as fs from 'node:fs/promises';
import * as path from 'node:path';
import type { Frame, Page } from 'playwright-core';
import { Scenario, type Results } from '../results';
import { CHAT_ANSWER, CHAT_ANSWER_CODE_LINE } from '../scriptedEngine';
import { sleep } from '../wait';
import { findWebviewFrame, openFile, runCommand } from '../workbench';
import { CHAT_INPUT } from './chatSelectors';

/** The code of the scripted answer's block, as the buttons hand it over (without the fence's last newline). */
const BLOCK_CODE = /```ts\n([\s\S]*?)\n```/.exec(CHAT_ANSWER)![1];
const ACTIVE_TAB = '.tabs-container .tab.active';

export async function checkChatCodeBlocks(page: Page, results: Results, options: { sourceFile: string; screenshot: string }): Promise<void> {
  const scenario = new Scenario(results, 'UI chat code blocks');
  const fileName = path.basename(options.sourceFile);
  let chat: Frame | undefined;
  let original = '';
  const clickBlockAction = async (action: string) => {
    const block = chat!.locator('.message.assistant[data-state="done"] .code-block', { hasText: CHAT_ANSWER_CODE_LINE }).first();
    await block.hover();
    await block.locator(`button.code-action[data-action="${action}"]`).click();
  };
  /**
   * Saves the active editor (focused through its tab, which leaves the cursor alone) and expects `expected` on disk.
   * A tab that cannot be clicked is reported with the dialog in front of it, if any, and a screenshot.
   */
  const expectSaved = async (expected: string, what: string) => {
    try {
      await page.locator(ACTIVE_TAB).click({ timeout: 15_000 });
    } catch (error) {
      await page.screenshot({ path: options.screenshot }).catch(() => undefined);
      const dialog = page.locator('.monaco-dialog-box');
      const blocking = (await dialog.isVisible()) ? ` behind a dialog: ${(await dialog.innerText()).replace(/\s+/g, ' ')}` : '';
      // Playwright's call log ends with what it waited for (an element that intercepts pointer events, say).
      const callLog = (error as Error).message.split('\n').filter((line) => line.trim() !== '').slice(-4).join(' | ');
      throw new Error(`${what}, the editor tab could not be clicked${blocking} (screenshot ${options.screenshot}): ${callLog}`);
    }
    await page.keyboard.press('Control+S');
    await waitForFile(options.sourceFile, expected, what);
  };

  await scenario.step(`${fileName} is open with the cursor at its end, and the chat shows the scripted code block`, async () => {
    await openFile(page, fileName);
    await page.locator('.editor-instance .monaco-editor .view-lines').click();
    await page.keyboard.press('Control+End');
    await page.keyboard.press('Control+S');
    original = await fs.readFile(options.sourceFile, 'utf8');
    chat = await findWebviewFrame(page, CHAT_INPUT, 30_000);
  });
  await scenario.step('Insert at Cursor puts the block into the document exactly as shown', async () => {
    await clickBlockAction('insert');
    await expectSaved(original + BLOCK_CODE, 'after Insert');
  });
  await scenario.step('one Undo restores the document', async () => {
    await page.keyboard.press('Control+Z');
    await expectSaved(original, 'after Undo');
  });
  await scenario.step('Apply to File opens the edit review and, on Accept All, the file becomes the block', async () => {
    await clickBlockAction('apply');
    await page.locator('.monaco-diff-editor').first().waitFor({ timeout: 15_000 });
    await page.locator('.notifications-toasts .monaco-button', { hasText: /^Accept All$/ }).click();
    // The review's diff tab also names the file ("…: current ↔ proposed"): saving while it is still the active
    // tab would save its proposal side, which opens VS Code's Save As. Accepting closes it; wait for that.
    const diffGone = Date.now() + 10_000;
    while ((await page.locator('.monaco-diff-editor').count()) > 0) {
      if (Date.now() > diffGone) throw new Error('the edit review stayed open after Accept All');
      await sleep(100);
    }
    await page.locator(`${ACTIVE_TAB}[aria-label*="${fileName}"]:not([aria-label*="↔"])`).waitFor({ timeout: 10_000 });
    await expectSaved(BLOCK_CODE, 'after Apply');
  });
  await scenario.step('one Undo restores the file applied to', async () => {
    await page.keyboard.press('Control+Z');
    await expectSaved(original, 'after Undo of Apply');
  });
  await scenario.step('New File opens the block in an untitled editor', async () => {
    await clickBlockAction('newFile');
    await page.locator(`${ACTIVE_TAB}[aria-label*="Untitled"]`).waitFor({ timeout: 10_000 });
    const shown = (await page.locator('.editor-instance .monaco-editor .view-lines').first().innerText()).replace(/\u00a0/g, ' ');
    if (!shown.includes(CHAT_ANSWER_CODE_LINE)) throw new Error(`the new editor shows ${JSON.stringify(shown.slice(0, 120))}`);
    await runCommand(page, 'View: Revert and Close Editor');
  });
}

async function waitForFile(file: string, expected: string, what: string): Promise<void> {
  const deadline = Date.now() + 10_000;
  let content = '';
  while (Date.now() < deadline) {
    content = await fs.readFile(file, 'utf8');
    if (content === expected) return;
    await sleep(200);
  }
  throw new Error(`${what}, the saved file is ${JSON.stringify(content.slice(-160))}, expected ${JSON.stringify(expected.slice(-160))}`);
}
