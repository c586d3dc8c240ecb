/** Phase B: Rook shows its sidecar's state in the status bar. */
import type { Page } from 'playwright-core';
import { Scenario, type Results } from '../results';

/** VS Code gives an extension's status bar entry the id `<extension id>.<entry id>`. */
const ROOK_STATUS_ITEM = '.part.statusbar [id^="rook-dev.rook"]';

export async function checkStatusBar(page: Page, results: Results): Promise<void> {
  const scenario = new Scenario(results, 'UI status bar');
  await scenario.step("the status bar shows Rook's entry", async () => {
    const item = page.locator(ROOK_STATUS_ITEM).first();
    await item.waitFor({ timeout: 45_000 });
    const label = (await item.getAttribute('aria-label')) ?? (await item.innerText());
    if (!label.trim()) throw new Error("Rook's status bar entry is empty");
  });
}
