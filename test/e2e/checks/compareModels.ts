/**
 * Phase B, **Rook: Compare Models on This Workspace**: the command runs the comparison in the sidecar with a
 * progress notification, and a webview shows the table with two candidates, the embedded model and the configured
 * engine (the scripted OpenAI-compatible server), each having answered the same cases cut from the workspace's code.
 * A `.gitignore`d file's code never reaches the engine.
 */
import * as fs from 'node:fs/promises';
import * as path from 'node:path';
import type { Page } from 'playwright-core';
import type { OpenAIServer } from '../../support/openaiServer';
import { Scenario, type Results } from '../results';
import { scriptedDelay } from '../scriptedEngine';
import { findWebviewFrame, runCommand } from '../workbench';

const IGNORED_MARKER = 'ignoredByGitignore';

/**
 * The module the cases come from. Its first line makes the scripted engine take 400 ms per case, as a remote engine
 * would: without it the comparison ends in about a second, before its progress notification can be seen.
 */
const sampleModule = `// ${scriptedDelay(400)}
import { readFileSync } from 'node:fs';

export function loadNumbers(file: string): number[] {
  const text = readFileSync(file, 'utf8');
  const numbers = text.split('\\n').map((line) => Number(line));
  return numbers.filter((value) => !Number.isNaN(value));
}

export function largest(values: number[]): number {
  let best = values[0];
  for (const value of values) {
    if (value > best) best = value;
  }
  return best;
}
`;

export async function checkCompareModels(page: Page, results: Results, options: { workspaceDir: string; engine: OpenAIServer; screenshot: string }): Promise<void> {
  const scenario = new Scenario(results, 'UI compare models');
  await scenario.step('Rook: Compare Models on This Workspace shows its progress, then a table of the embedded model and the configured engine', async () => {
    await fs.mkdir(path.join(options.workspaceDir, 'compare', 'generated'), { recursive: true });
    await fs.writeFile(path.join(options.workspaceDir, 'compare', 'numbers.ts'), sampleModule);
    await fs.writeFile(path.join(options.workspaceDir, 'compare', '.gitignore'), 'generated/\n');
    await fs.writeFile(path.join(options.workspaceDir, 'compare', 'generated', 'out.ts'), sampleModule.replaceAll('largest', IGNORED_MARKER));
    const requestsBefore = options.engine.requests.length;

    await runCommand(page, 'Rook: Compare Models on This Workspace');
    await page.locator('.notifications-toasts', { hasText: 'Rook: comparing models' }).first().waitFor({ timeout: 30_000 });
    const frame = await findWebviewFrame(page, 'table#comparison', 180_000);
    const names = (await frame.locator('tr.candidate-row td.candidate').allInnerTexts()).map((name) => name.trim());
    if (names.join(' | ') !== 'local · rook-moe-mini | openai · test-model') throw new Error(`the table lists ${names.join(' | ') || 'no candidate'}`);
    const rows = await frame.locator('tr.candidate-row').evaluateAll((trs) => trs.map((tr) => [...tr.querySelectorAll('td')].map((td) => td.textContent ?? '')));
    const cases = rows.map((cells) => Number(cells[2]));
    if (!(cases[0] > 0 && cases[0] === cases[1])) throw new Error(`the candidates ran ${cases.join(' and ')} cases`);
    if (!rows.every((cells) => cells.slice(3, 7).every((cell) => /^\d+(\.\d)?$/.test(cell)))) throw new Error(`scores ${JSON.stringify(rows)}`);
    const sent = options.engine.requests.slice(requestsBefore).filter((r) => r.path === '/v1/completions');
    if (sent.length < cases[1]) throw new Error(`the configured engine got ${sent.length} completion requests for ${cases[1]} cases`);
    if (sent.some((r) => JSON.stringify(r.body).includes(IGNORED_MARKER))) throw new Error('a case came from a .gitignored file');
    if ((await frame.locator('script').count()) > 0) throw new Error('the comparison page carries a script');
    await page.screenshot({ path: options.screenshot });
  });
  await scenario.step('closing the table leaves the workbench as it was', async () => {
    await page.keyboard.press('Control+W');
    await page.locator('.tabs-container .tab', { hasText: 'Rook: Models Compared' }).waitFor({ state: 'detached', timeout: 10_000 });
  });
}
