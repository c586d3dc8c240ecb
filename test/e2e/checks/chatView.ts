/**
 * Phase B, the chat view as a user meets it: `Rook: Open Chat` (or Rook's activity bar item), a question typed
 * into the webview, and the streamed answer rendered progressively and finally as markdown, its code block as
 * `<pre><code>`.
 */
import type { Frame, Page } from 'playwright-core';
import type { OpenAIServer, RecordedRequest } from '../../support/openaiServer';
import { Scenario, type Results } from '../results';
import { CHAT_ANSWER_CODE_LINE, CHAT_ANSWER_MARKER } from '../scriptedEngine';
import { waitUntil } from '../wait';
import { findWebviewFrame, runCommand } from '../workbench';

const INPUT = 'textarea#input';
const ACTIVITY_BAR_ITEM = '.part.activitybar [aria-label^="Rook"]';
const ASSISTANT_MESSAGE = '.message.assistant';
const QUESTION = 'How do I add two numbers in TypeScript?';

declare global {
  interface Window {
    /** Texts the newest assistant message showed before it was done, collected in the webview. */
    rookPartialTexts?: string[];
  }
}

export async function checkChatView(
  page: Page,
  results: Results,
  options: { engine: OpenAIServer; screenshot: string },
): Promise<void> {
  let chat: Frame | undefined;
  /** The chat webview's frame; the steps after 'shows its input' only run once it was found. */
  const chatFrame = (): Frame => {
    if (!chat) throw new Error('the chat view was not found');
    return chat;
  };
  // On its own: when the command fails, the rest of the chat is still checked through the activity bar.
  await new Scenario(results, 'UI chat').step('Rook: Open Chat opens the chat view', async () => {
    await runCommand(page, 'Rook: Open Chat');
    chat = await findWebviewFrame(page, INPUT, 30_000);
  });

  const scenario = new Scenario(results, 'UI chat');
  await scenario.step('the chat view shows its input', async () => {
    if (!chat) {
      await page.locator(ACTIVITY_BAR_ITEM).first().click();
      chat = await findWebviewFrame(page, INPUT, 30_000);
    }
  });

  await scenario.step('a question sent with Enter reaches the engine as a streamed chat request', async () => {
    await recordPartialAnswers(chatFrame());
    const input = chatFrame().locator(INPUT);
    await input.click();
    await input.pressSequentially(QUESTION, { delay: 10 });
    await input.press('Enter');
    const isQuestion = (request: RecordedRequest) =>
      request.path === '/v1/chat/completions' &&
      request.body?.stream === true &&
      JSON.stringify(request.body.messages).includes(QUESTION);
    await waitUntil(
      () => options.engine.requests.some(isQuestion),
      20_000,
      'no streamed /v1/chat/completions request with the question',
    );
  });

  await scenario.step(`the answer is shown done, containing "${CHAT_ANSWER_MARKER}"`, async () => {
    const done = chatFrame().locator(`${ASSISTANT_MESSAGE}[data-state="done"]`, { hasText: CHAT_ANSWER_MARKER }).last();
    await done.waitFor({ timeout: 45_000 });
  });

  await scenario.step('the answer was rendered progressively while it streamed', async () => {
    const partials = await chatFrame().evaluate(() => window.rookPartialTexts ?? []);
    const distinct = new Set(partials.filter((text) => text.length > 0));
    if (distinct.size < 2) throw new Error(`saw ${distinct.size} partial render(s) before the answer was done`);
  });

  await scenario.step(`its code block is rendered as <pre><code> containing "${CHAT_ANSWER_CODE_LINE}"`, async () => {
    const code = chatFrame().locator(`${ASSISTANT_MESSAGE}[data-state="done"] pre code`, { hasText: CHAT_ANSWER_CODE_LINE });
    await code.first().waitFor({ timeout: 5_000 });
  });

  await scenario.step('the finished answer ends flush: its last block has no bottom margin', async () => {
    const margin = await chatFrame().evaluate((selector) => {
      const bodies = document.querySelectorAll(`${selector}[data-state="done"] .body`);
      const blocks = bodies.length > 0 ? bodies[bodies.length - 1].querySelectorAll(':scope > .settled > *, :scope > .tail > *') : [];
      const last = blocks[blocks.length - 1];
      return last ? `${last.tagName} ${getComputedStyle(last).marginBottom}` : 'no block';
    }, ASSISTANT_MESSAGE);
    if (!margin.endsWith(' 0px')) throw new Error(`the answer's last block and its bottom margin: ${margin}`);
  });

  await page.screenshot({ path: options.screenshot });
}

/** Installs an observer in the webview that keeps each text of the newest assistant message until it is done. */
async function recordPartialAnswers(frame: Frame): Promise<void> {
  await frame.evaluate((selector) => {
    window.rookPartialTexts = [];
    new MutationObserver(() => {
      const messages = document.querySelectorAll<HTMLElement>(selector);
      const last = messages[messages.length - 1];
      if (last && last.dataset.state !== 'done') window.rookPartialTexts!.push(last.textContent ?? '');
    }).observe(document.body, { subtree: true, childList: true, characterData: true, attributes: true });
  }, ASSISTANT_MESSAGE);
}
