/** Asking in the chat the way a user does, for the checks that need an answer before they go on. */
import type { Frame } from 'playwright-core';
import { CHAT_INPUT } from './chatSelectors';

const ASSISTANT_MESSAGE = '.message.assistant';

/**
 * Types `question` into the chat input, presses Enter and waits until the answer to it has ended. It waits for the
 * answer after the ones already shown, never the last one on the page: until the new answer starts, the last one
 * is an earlier, finished answer, and a question typed while the new one still streams would be ignored.
 */
export async function askAndAwaitAnswer(chat: Frame, question: string, timeoutMs = 30_000): Promise<void> {
  const answers = chat.locator(ASSISTANT_MESSAGE);
  const before = await answers.count();
  const input = chat.locator(CHAT_INPUT);
  await input.fill(question);
  await input.press('Enter');
  await answers.nth(before).and(chat.locator('[data-state="done"]')).waitFor({ timeout: timeoutMs });
}
