/**
 * Phase B, stopping an answer: a long, slowly streamed answer is stopped mid-stream with the Stop button and
 * again with Escape. The page's answer stops growing, ends as "Stopped.", and the engine's streaming
 * connection is closed (the sidecar cancelled the upstream request, not only the page its rendering).
 */
import * as fs from 'node:fs';
import type { Frame, Locator, Page } from 'playwright-core';
import type { OpenAIServer } from '../../support/openaiServer';
import { Scenario, type Results } from '../results';
import { scriptedReply } from '../scriptedEngine';
import { sleep, waitUntil } from '../wait';
import { findWebviewFrame } from '../workbench';
import { CHAT_INPUT } from './chatSelectors';

const STOP_BUTTON = 'button#stop';
/** ~10 kB in 4-character chunks every 25 ms: about a minute of streaming, far longer than the check waits. */
const LONG_ANSWER = Array.from({ length: 400 }, (_, i) => `Line ${i} of a long answer.`).join('\n');
/** Characters shown before stopping: enough to be sure the answer is streaming. */
const SHOWN_BEFORE_STOP = 200;
/** How long a stopped answer is watched for further growth. */
const STILL_FOR_MS = 2_000;

export async function checkChatStop(page: Page, results: Results, options: { engine: OpenAIServer }): Promise<void> {
  const scenario = new Scenario(results, 'UI chat stop');
  let chat: Frame | undefined;
  await scenario.step('the chat view is open', async () => {
    chat = await findWebviewFrame(page, CHAT_INPUT, 30_000);
  });
  for (const [how, stop] of [
    ['the Stop button', (frame: Frame) => frame.locator(STOP_BUTTON).click()],
    ['Escape', (frame: Frame) => frame.locator(CHAT_INPUT).press('Escape')],
  ] as const) {
    let answer: Locator | undefined;
    let connectionsWhileStreaming = 0;
    await scenario.step(`a long answer streams (to be stopped with ${how})`, async () => {
      const frame = chat!;
      const before = await frame.locator('.message.assistant').count();
      await frame.locator(CHAT_INPUT).fill(`Please write at length. ${scriptedReply(LONG_ANSWER)}`);
      await frame.locator(CHAT_INPUT).press('Enter');
      answer = frame.locator('.message.assistant').nth(before);
      await waitFor(async () => (await answer!.innerText()).length > SHOWN_BEFORE_STOP, 30_000, 'the answer did not start streaming');
      connectionsWhileStreaming = establishedConnections(options.engine.port);
    });
    await scenario.step(`${how} stops it mid-stream: it ends as "Stopped." and stops growing`, async () => {
      await stop(chat!);
      await answer!.and(chat!.locator('[data-state="done"]')).waitFor({ timeout: 10_000 });
      const stopped = await answer!.innerText();
      if (!stopped.includes('Stopped.')) throw new Error('the stopped answer does not say "Stopped."');
      if (stopped.length >= LONG_ANSWER.length) throw new Error('the whole answer arrived: nothing was stopped');
      await sleep(STILL_FOR_MS);
      const later = await answer!.innerText();
      if (later !== stopped) throw new Error(`the answer grew after Stop (${stopped.length} -> ${later.length} characters)`);
    });
    await scenario.step(`after ${how}, the engine saw the streaming connection close`, async () => {
      await waitUntil(
        () => establishedConnections(options.engine.port) < connectionsWhileStreaming,
        5_000,
        `the engine still has ${establishedConnections(options.engine.port)} open connection(s), as while streaming`,
      );
    });
  }
}

async function waitFor(condition: () => Promise<boolean>, timeoutMs: number, failure: string): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!(await condition())) {
    if (Date.now() > deadline) throw new Error(failure);
    await sleep(100);
  }
}

/**
 * Established TCP connections accepted by the server on 127.0.0.1:`port`, as the kernel lists them: the
 * engine's own view of who is still connected, independent of what Rook reports.
 */
function establishedConnections(port: number): number {
  const established = '01';
  const localPort = port.toString(16).toUpperCase().padStart(4, '0');
  return fs
    .readFileSync('/proc/net/tcp', 'utf8')
    .split('\n')
    .slice(1)
    .map((line) => line.trim().split(/\s+/))
    .filter(([, local, , state]) => local?.endsWith(`:${localPort}`) && state === established).length;
}
