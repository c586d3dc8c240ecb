/**
 * Phase B, the chat history across a window reload: after reloading the workbench page, the chat shows the
 * conversation it had, and the history lists it; it can be exported as Markdown (through VS Code's save
 * dialog), renamed and deleted from the list.
 */
import * as fs from 'node:fs';
import * as path from 'node:path';
import type { Frame, Page } from 'playwright-core';
import { Scenario, type Results } from '../results';
import { CHAT_ANSWER_MARKER } from '../scriptedEngine';
import { waitUntil } from '../wait';
import { findWebviewFrame, runCommand } from '../workbench';
import { CHAT_INPUT, ROOK_STATUS_ITEM } from './chatSelectors';

/** The first question the chat view check asked: the conversation's title. */
const FIRST_QUESTION = 'How do I add two numbers in TypeScript?';
const EXPORTED_FILE = 'How-do-I-add-two-numbers-in-TypeScript.md';
const NEW_TITLE = 'Adding numbers';
const ENTRY = '#history-list .history-entry';

export async function checkChatHistory(page: Page, results: Results, options: { workspaceDir: string }): Promise<void> {
  const scenario = new Scenario(results, 'UI chat history');
  let chat: Frame | undefined;
  await scenario.step('after a window reload, the chat shows the earlier conversation', async () => {
    await page.reload();
    // Rook's status bar entry shows once the extension is back, and with it its commands.
    await page.locator(ROOK_STATUS_ITEM).first().waitFor({ timeout: 90_000 });
    // The side bar comes back as it was, showing the chat.
    chat = await findWebviewFrame(page, CHAT_INPUT, 30_000);
    await chat.locator('.message.user', { hasText: FIRST_QUESTION }).first().waitFor({ timeout: 15_000 });
    await chat.locator('.message.assistant[data-state="done"]', { hasText: CHAT_ANSWER_MARKER }).first().waitFor({ timeout: 15_000 });
  });
  await scenario.step('the history lists it, titled by its first question', async () => {
    await chat!.locator('#history-toggle').click();
    await chat!.locator(ENTRY, { hasText: FIRST_QUESTION }).waitFor({ timeout: 5_000 });
  });
  await scenario.step(`Rook: Export Chat as Markdown saves ${EXPORTED_FILE} with the conversation`, async () => {
    await runCommand(page, 'Rook: Export Chat as Markdown');
    // VS Code's save dialog proposes the workspace path Rook gave it; Enter accepts it. The dialog lists the folder
    // first, which took over 10 s on a machine busy with training.
    await page.locator('.quick-input-widget .quick-input-box input').waitFor({ timeout: 30_000 });
    await page.keyboard.press('Enter');
    const file = path.join(options.workspaceDir, EXPORTED_FILE);
    await waitUntil(() => fs.existsSync(file), 10_000, `${file} was not written`);
    const expected = [`# ${FIRST_QUESTION}`, `## You\n\n> ${FIRST_QUESTION}`, `## Rook\n\n${CHAT_ANSWER_MARKER}`];
    // The file can exist before VS Code's file service has finished writing it: read until it is whole.
    const read = () => fs.readFileSync(file, 'utf8');
    const missing = () => expected.filter((part) => !read().includes(part));
    await waitUntil(() => missing().length === 0, 10_000, 'the export is incomplete').catch(() => {
      throw new Error(`the export lacks ${JSON.stringify(missing()[0])}; it reads ${JSON.stringify(read().slice(0, 300))}`);
    });
  });
  await scenario.step('Rename gives it the name typed into VS Code\'s input box', async () => {
    await chat!.locator(ENTRY, { hasText: FIRST_QUESTION }).locator('button[data-action="renameConversation"]').click();
    const box = page.locator('.quick-input-widget .quick-input-box input');
    await box.waitFor({ timeout: 10_000 });
    await box.fill(NEW_TITLE);
    await box.press('Enter');
    await chat!.locator(ENTRY, { hasText: NEW_TITLE }).waitFor({ timeout: 5_000 });
  });
  await scenario.step('Delete, once confirmed, removes it and starts a new conversation', async () => {
    await chat!.locator(ENTRY, { hasText: NEW_TITLE }).locator('button[data-action="deleteConversation"]').click();
    await page.locator('.monaco-dialog-box .monaco-button', { hasText: 'Delete' }).click();
    await chat!.locator(ENTRY, { hasText: NEW_TITLE }).waitFor({ state: 'detached', timeout: 5_000 });
    if ((await chat!.locator('.message').count()) !== 0) throw new Error('the deleted conversation is still shown');
    await chat!.locator('#history-toggle').click();
  });
}
