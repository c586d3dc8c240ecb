/**
 * Phase B, what a question carries: with main.ts open, the context line above the input names it and
 * shows a token estimate; typing `@mai` offers main.ts, which is taken into the input; the question then
 * reaches the engine with the file's content before it. A mention of a file outside the workspace is not
 * read.
 */
import * as fs from 'node:fs';
import * as path from 'node:path';
import type { Frame, Page } from 'playwright-core';
import type { OpenAIServer } from '../../support/openaiServer';
import { Scenario, type Results } from '../results';
import { findWebviewFrame, openFile, runCommand } from '../workbench';
import { askAndAwaitAnswer } from './chatAsk';
import { CHAT_INPUT } from './chatSelectors';

/** Written beside the workspace folder: its content must never reach the engine. */
const OUTSIDE_FILE = 'outside-the-workspace.txt';
const OUTSIDE_SECRET = 'secret-from-outside-the-workspace';

export async function checkChatContext(page: Page, results: Results, options: { engine: OpenAIServer; sourceFile: string }): Promise<void> {
  const scenario = new Scenario(results, 'UI chat context');
  const fileName = path.basename(options.sourceFile);
  const question = `Explain @${fileName} and @../${OUTSIDE_FILE}`;
  let chat: Frame | undefined;
  await scenario.step(`with ${fileName} open, the context line names it and estimates its tokens`, async () => {
    fs.writeFileSync(path.join(path.dirname(path.dirname(options.sourceFile)), OUTSIDE_FILE), OUTSIDE_SECRET);
    // A conversation of its own, so what earlier checks left in the chat does not script this answer.
    await runCommand(page, 'Rook: New Chat Conversation');
    await openFile(page, fileName);
    chat = await findWebviewFrame(page, CHAT_INPUT, 30_000);
    await chat.locator('#context .context-piece.file', { hasText: fileName }).waitFor({ timeout: 10_000 });
    const budget = await chat.locator('#context .context-budget').innerText();
    if (!/^≈ [1-9][\d,]* \/ [\d,]+ tokens$/.test(budget)) throw new Error(`the token estimate reads "${budget}"`);
  });
  await scenario.step(`typing "@mai" offers ${fileName}; choosing it completes the mention`, async () => {
    const input = chat!.locator(CHAT_INPUT);
    await input.click();
    await input.pressSequentially('Explain @mai', { delay: 20 });
    await chat!.locator('#mentions li', { hasText: fileName }).click();
    const value = await input.inputValue();
    if (value !== `Explain @${fileName} `) throw new Error(`the input reads "${value}"`);
    await chat!.locator('#context .context-piece.mention', { hasText: `@${fileName}` }).waitFor({ timeout: 10_000 });
  });
  await scenario.step('the question reaches the engine after the mentioned file, and nothing from outside the workspace', async () => {
    // Answered before the next check changes anything.
    await askAndAwaitAnswer(chat!, question);
    const content = fs.readFileSync(options.sourceFile, 'utf8').split('\n')[0];
    const asked = () => options.engine.requests.filter((request) => JSON.stringify(request.body?.messages ?? '').includes(question)).at(-1);
    if (asked() === undefined) throw new Error('the question was answered without reaching the engine');
    const sent: string = asked()!.body.messages.at(-1).content;
    if (!sent.includes(`The file ${fileName}:`) || !sent.includes(content)) throw new Error(`the question went without ${fileName}: ${sent.slice(0, 200)}`);
    if (!sent.endsWith(question)) throw new Error('the question is not at the end of the message');
    if (sent.includes(OUTSIDE_SECRET)) throw new Error('a file outside the workspace was sent');
  });
}
