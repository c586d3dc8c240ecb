/** Phase B: Rook shows its sidecar's state in the status bar, and a snooze while it lasts. */
import type { Page } from 'playwright-core';
import { Scenario, type Results } from '../results';

/** VS Code gives an extension's status bar entry the id `<extension id>.<entry id>`. */
const ROOK_STATUS_ITEM = '.part.statusbar [id^="rook-dev.rook"]';
const QUICK_INPUT = '.quick-input-widget';
const QUICK_ROW = `${QUICK_INPUT} .quick-input-list .monaco-list-row`;

export async function checkStatusBar(page: Page, results: Results): Promise<void> {
  const scenario = new Scenario(results, 'UI status bar');
  await scenario.step("the status bar shows Rook's entry", async () => {
    const item = page.locator(ROOK_STATUS_ITEM).first();
    await item.waitFor({ timeout: 45_000 });
    const label = (await item.getAttribute('aria-label')) ?? (await item.innerText());
    if (!label.trim()) throw new Error("Rook's status bar entry is empty");
  });

  const snoozed = page.locator(ROOK_STATUS_ITEM).filter({ hasText: 'snoozed until' });
  await scenario.step('Snooze Inline Completions shows "Rook: snoozed until HH:MM" in the status bar', async () => {
    // The command opens a second quick pick right away, so it is driven by keys rather than `runCommand`.
    await page.keyboard.press('F1');
    await page.locator(`${QUICK_INPUT} .quick-input-box input`).waitFor({ state: 'visible', timeout: 30_000 });
    await page.keyboard.type('Rook: Snooze Inline Completions');
    await page.locator(`${QUICK_ROW}`).filter({ hasText: 'Rook: Snooze Inline Completions' }).first().waitFor({ timeout: 30_000 });
    await page.keyboard.press('Enter');
    await page.locator(`${QUICK_INPUT} input[placeholder="Pause automatic inline completions"]`).waitFor({ timeout: 10_000 });
    await page.keyboard.type('Snooze for 5 minutes');
    await page.locator(`${QUICK_ROW}`).filter({ hasText: 'Snooze for 5 minutes' }).first().waitFor({ timeout: 10_000 });
    await page.keyboard.press('Enter');
    await snoozed.waitFor({ timeout: 10_000 });
    const text = await snoozed.innerText();
    if (!/Rook: snoozed until \d\d:\d\d/.test(text)) throw new Error(`the snooze entry reads ${JSON.stringify(text)}`);
  });

  await scenario.step('clicking it resumes completions and the entry goes away', async () => {
    await snoozed.click();
    await snoozed.waitFor({ state: 'detached', timeout: 10_000 });
  });
}
