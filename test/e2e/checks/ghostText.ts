/**
 * Phase B, inline completions as a user meets them: typing in a TypeScript file shows Rook's ghost text with
 * the engine's continuation, and Tab puts it into the document.
 */
import * as fs from 'node:fs/promises';
import * as path from 'node:path';
import type { Page } from 'playwright-core';
import { Scenario, type Results } from '../results';
import { COMPLETION_CONTINUATION, COMPLETION_PREFIX } from '../scriptedEngine';
import { openFile } from '../workbench';
import { sleep } from '../wait';

/**
 * Ghost text in VS Code 1.100: on the cursor's line, one `.ghost-text-decoration` span per syntax token;
 * further lines of a multi-line suggestion in `.ghost-text` view zones.
 */
function visibleGhostTexts(): string[] {
  const lines = [...document.querySelectorAll('.monaco-editor .view-line')].map((line) =>
    [...line.querySelectorAll('.ghost-text-decoration, .ghost-text-decoration-preview')].map((span) => span.textContent).join(''),
  );
  const zones = [...document.querySelectorAll('.monaco-editor .ghost-text')].map((zone) => zone.textContent ?? '');
  // The editor renders spaces as non-breaking spaces.
  return [...lines, ...zones].map((text) => text.replace(/\u00a0/g, ' ')).filter((text) => text.length > 0);
}

export async function checkGhostText(
  page: Page,
  results: Results,
  options: { sourceFile: string; screenshot: string },
): Promise<void> {
  const scenario = new Scenario(results, 'UI ghost text');
  const expectedLine = `${COMPLETION_PREFIX}${COMPLETION_CONTINUATION}`;

  await scenario.step(`typing "${COMPLETION_PREFIX}" shows Rook's ghost text "${COMPLETION_CONTINUATION.trim()}"`, async () => {
    await openFile(page, path.basename(options.sourceFile));
    await page.locator('.editor-instance .monaco-editor .view-lines').click();
    await page.keyboard.press('Control+End');
    await page.keyboard.type(COMPLETION_PREFIX, { delay: 40 });
    await waitForGhostText(page, COMPLETION_CONTINUATION, 45_000);
    await page.screenshot({ path: options.screenshot });
  });

  await scenario.step(`Tab accepts it: the saved file contains "${expectedLine}"`, async () => {
    await page.keyboard.press('Tab');
    await page.keyboard.press('Control+S');
    const deadline = Date.now() + 10_000;
    let content = '';
    while (Date.now() < deadline) {
      content = await fs.readFile(options.sourceFile, 'utf8');
      if (content.includes(expectedLine)) return;
      await sleep(200);
    }
    throw new Error(`the saved file ends with ${JSON.stringify(content.slice(-80))}`);
  });

  if (scenario.failed) await page.screenshot({ path: options.screenshot });
}

async function waitForGhostText(page: Page, expected: string, timeoutMs: number): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  let seen: string[] = [];
  while (Date.now() < deadline) {
    seen = await page.evaluate(visibleGhostTexts);
    if (seen.some((text) => text.includes(expected))) return;
    await sleep(100);
  }
  throw new Error(`no ghost text ${JSON.stringify(expected)} within ${timeoutMs / 1000} s; ghost texts seen: ${JSON.stringify(seen)}`);
}
