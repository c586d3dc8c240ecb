/**
 * Phase B, an `@codebase` answer's sources after a window reload: a question with `@codebase` gets an answer that
 * links a workspace file; after reloading the workbench page the conversation comes back with the link under the same
 * answer, and clicking it still opens the file (the extension found the source in the saved conversation).
 */
import * as fs from 'node:fs';
import * as path from 'node:path';
import type { Frame, Page } from 'playwright-core';
import { Scenario, type Results } from '../results';
import { findWebviewFrame, runCommand } from '../workbench';
import { askAndAwaitAnswer } from './chatAsk';
import { CHAT_INPUT, ROOK_STATUS_ITEM } from './chatSelectors';

const PROBE_FOLDER = 'ledger';
const PROBE_FILE = 'rookLedgerRates.ts';
const PROBE_TEXT = 'export function rookLedgerRateFor(account: string): number {\n  return account.length * 3;\n}\n';
const LINK = `${PROBE_FOLDER}/${PROBE_FILE}`;

export async function checkChatSourcesReload(page: Page, results: Results, options: { workspaceDir: string }): Promise<void> {
  const scenario = new Scenario(results, 'UI chat sources after reload');
  const folder = path.join(options.workspaceDir, PROBE_FOLDER);
  let chat: Frame | undefined;
  const sourceLink = () => chat!.locator('.message.assistant .sources .source-link', { hasText: LINK });
  try {
    await scenario.step('an @codebase answer links the file the index found', async () => {
      fs.mkdirSync(folder, { recursive: true });
      fs.writeFileSync(path.join(folder, PROBE_FILE), PROBE_TEXT);
      await runCommand(page, 'Rook: New Chat Conversation');
      chat = await findWebviewFrame(page, CHAT_INPUT, 30_000);
      // The file watcher reports the new file and the index reads it within moments; ask until the answer links it.
      const deadline = Date.now() + 60_000;
      for (;;) {
        await askAndAwaitAnswer(chat, `@codebase where is rookLedgerRateFor defined? (${Date.now()})`);
        if ((await sourceLink().count()) > 0) break;
        if (Date.now() > deadline) throw new Error(`no @codebase answer linked ${LINK}`);
      }
    });
    await scenario.step('after a window reload, the answer still links the file', async () => {
      await page.reload();
      await page.locator(ROOK_STATUS_ITEM).first().waitFor({ timeout: 90_000 });
      chat = await findWebviewFrame(page, CHAT_INPUT, 30_000);
      await chat.locator('.message.assistant[data-state="done"]').first().waitFor({ timeout: 15_000 });
      await sourceLink().first().waitFor({ timeout: 15_000 });
    });
    await scenario.step('clicking the restored link opens the file', async () => {
      await sourceLink().first().click();
      await page.locator('.tabs-container .tab', { hasText: PROBE_FILE }).waitFor({ timeout: 15_000 });
    });
  } finally {
    // Later checks (the model comparison) read the workspace's code files: leave it as it was.
    fs.rmSync(folder, { recursive: true, force: true });
  }
}
