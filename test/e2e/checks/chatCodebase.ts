/**
 * Phase B, `@codebase` in chat: a file the user never opened is written into the workspace; a question with
 * `@codebase` reaches the engine with that file's chunk before it (found by the sidecar's workspace index), the
 * answer lists the file as a source link, and clicking the link opens the file in an editor. `@folder:PATH` narrows
 * the search: a question limited to another folder does not carry the chunk.
 */
import * as fs from 'node:fs';
import * as path from 'node:path';
import type { Frame, Page } from 'playwright-core';
import type { OpenAIServer } from '../../support/openaiServer';
import { Scenario, type Results } from '../results';
import { findWebviewFrame, runCommand } from '../workbench';
import { askAndAwaitAnswer } from './chatAsk';
import { CHAT_INPUT } from './chatSelectors';

const PROBE_FOLDER = 'billing';
const PROBE_FILE = 'vatTable.ts';
const PROBE_LINE = 'export function lookupRookVatTable(country: string): number {';

export async function checkChatCodebase(page: Page, results: Results, options: { engine: OpenAIServer; workspaceDir: string }): Promise<void> {
  const scenario = new Scenario(results, 'UI chat @codebase');
  let chat: Frame | undefined;
  const ask = async (question: string): Promise<string> => {
    await askAndAwaitAnswer(chat!, question);
    const asked = options.engine.requests.filter((request) => JSON.stringify(request.body?.messages ?? '').includes(question)).at(-1);
    if (!asked) throw new Error(`the question was answered without reaching the engine: ${question}`);
    return asked.body.messages.at(-1).content;
  };
  await scenario.step('a question with @codebase reaches the engine with the chunk of a file nobody opened', async () => {
    fs.mkdirSync(path.join(options.workspaceDir, PROBE_FOLDER), { recursive: true });
    fs.writeFileSync(path.join(options.workspaceDir, PROBE_FOLDER, PROBE_FILE), `${PROBE_LINE}\n  return country === 'DE' ? 19 : 20;\n}\n`);
    await runCommand(page, 'Rook: New Chat Conversation');
    chat = await findWebviewFrame(page, CHAT_INPUT, 30_000);
    // The file watcher reports the new file and the index reads it within moments; ask until the chunk comes.
    const deadline = Date.now() + 60_000;
    let sent = await ask('@codebase where is lookupRookVatTable defined?');
    while (!sent.includes(PROBE_LINE)) {
      if (Date.now() > deadline) throw new Error(`no @codebase question carried the new file: ${sent.slice(0, 300)}`);
      sent = await ask(`@codebase where is lookupRookVatTable defined? (asked again at ${Date.now()})`);
    }
    if (!sent.includes(`From the workspace, ${PROBE_FOLDER}/${PROBE_FILE}:1-`)) throw new Error(`the chunk is not labelled with its file: ${sent.slice(0, 300)}`);
  });
  await scenario.step('the answer cites the file as a link, which opens it', async () => {
    const link = chat!.locator('.message.assistant').last().locator('.sources .source-link', { hasText: `${PROBE_FOLDER}/${PROBE_FILE}` });
    await link.waitFor({ timeout: 10_000 });
    await link.click();
    await page.locator('.tabs-container .tab', { hasText: PROBE_FILE }).waitFor({ timeout: 15_000 });
  });
  await scenario.step('@folder: narrows the search to a folder', async () => {
    await runCommand(page, 'Rook: Open Chat');
    chat = await findWebviewFrame(page, CHAT_INPUT, 30_000);
    // The file the link opened is now the current file, which questions carry anyway: the index's chunk is the one
    // labelled as coming from the workspace.
    const chunkLabel = `From the workspace, ${PROBE_FOLDER}/${PROBE_FILE}`;
    const elsewhere = await ask(`@folder:no-such-folder where is lookupRookVatTable defined? (${Date.now()})`);
    if (elsewhere.includes(chunkLabel)) throw new Error('a question limited to another folder carried the chunk');
    const within = await ask(`@folder:${PROBE_FOLDER} where is lookupRookVatTable defined? (${Date.now()})`);
    if (!within.includes(chunkLabel)) throw new Error(`a question limited to ${PROBE_FOLDER} did not carry the chunk`);
  });
  // Later checks (the model comparison) read the workspace's code files: leave it as it was.
  fs.rmSync(path.join(options.workspaceDir, PROBE_FOLDER), { recursive: true, force: true });
}
