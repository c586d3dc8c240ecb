/**
 * Phase B, the engine picker in the chat header: it offers the engines, a search for model servers on this machine
 * and the GGUF files Ollama keeps, and choosing an engine switches `rook.engine`, which the header's status line
 * then reflects (engine and model that answer). An Ollama store written in Ollama's layout under the sandbox's HOME
 * holds the embedded model's GGUF export: choosing it converts the file, and the header then names the local engine.
 */
import * as fs from 'node:fs';
import * as path from 'node:path';
import type { Frame, Page } from 'playwright-core';
import { embeddedModelFolder } from '../../engine/fixtures';
import { ollamaModel } from '../../support/ollamaStore';
import { Scenario, type Results } from '../results';
import { findWebviewFrame } from '../workbench';
import { CHAT_INPUT } from './chatSelectors';

const QUICK_PICK_ROW = '.quick-input-widget .quick-input-list .monaco-list-row';
const ROW_LABEL = '.label-name';
/** The picker's title; the widget's rows belong to an earlier quick pick until it shows. */
const PICKER_TITLE = '.quick-input-widget .quick-input-title';
const FIND_SERVERS = 'Find model servers on this machine…';
const USE_MODEL_FILE = 'Use a model file already on this machine…';

const OLLAMA_NAME = 'rook-mini:latest';
const DIALOG = '.monaco-dialog-box';

export async function checkChatEnginePicker(page: Page, results: Results, options: { homeDir: string }): Promise<void> {
  const scenario = new Scenario(results, 'UI chat engine picker');
  let chat: Frame | undefined;
  const openPicker = async () => {
    await chat!.locator('#pick-engine').click();
    await page.locator(PICKER_TITLE, { hasText: 'Engine for Rook' }).waitFor({ timeout: 10_000 });
  };
  const pick = async (engine: string) => {
    await openPicker();
    await page.locator(QUICK_PICK_ROW).filter({ has: page.locator(ROW_LABEL, { hasText: new RegExp(`^\\s*${engine}$`) }) }).click();
  };
  await scenario.step('the header names the engine and model that answer', async () => {
    chat = await findWebviewFrame(page, CHAT_INPUT, 30_000);
    await chat.locator('#status', { hasText: 'openai · test-model' }).waitFor({ timeout: 15_000 });
  });
  await scenario.step('the picker offers auto, openai, local, a search for servers and the model files on this machine; choosing local switches the header to it', async () => {
    await openPicker();
    const offered = (await page.locator(`${QUICK_PICK_ROW} ${ROW_LABEL}`).allInnerTexts()).map((label) => label.trim());
    if (offered.join() !== `auto,openai,local,${FIND_SERVERS},${USE_MODEL_FILE}`) throw new Error(`the picker offers ${offered.join(', ')}`);
    await page.keyboard.press('Escape');
    await pick('local');
    await chat!.locator('#status', { hasText: /^local/ }).waitFor({ timeout: 30_000 });
  });
  await scenario.step('choosing openai again brings back the scripted engine', async () => {
    await pick('openai');
    await chat!.locator('#status', { hasText: 'openai · test-model' }).waitFor({ timeout: 30_000 });
  });
  await scenario.step('searching for model servers asks the sidecar and answers: the models found, or where it looked', async () => {
    await pick(FIND_SERVERS);
    // Nothing listens on the default ports here, but a developer's machine may run Ollama: either answer is the feature's.
    const nothingFound = page.locator('.notifications-toasts', { hasText: 'Rook found no model server on this machine' });
    const modelsFound = page.locator(PICKER_TITLE, { hasText: 'Rook: models on this machine' });
    await nothingFound.or(modelsFound).first().waitFor({ timeout: 30_000 });
    if (await modelsFound.isVisible()) await page.keyboard.press('Escape');
    await chat!.locator('#status', { hasText: 'openai · test-model' }).waitFor({ timeout: 10_000 });
  });
  await scenario.step("a GGUF in Ollama's store is offered; choosing it converts it, and the header names the local engine running it", async () => {
    const gguf = fs.readFileSync(path.join(embeddedModelFolder({ quant: 'int8' }).dir, 'model.gguf'));
    const [model, tag] = OLLAMA_NAME.split(':');
    const blob = ollamaModel(path.join(options.homeDir, '.ollama', 'models'), 'registry.ollama.ai', 'library', model, tag, gguf);
    await pick(USE_MODEL_FILE);
    await page.locator(PICKER_TITLE, { hasText: 'Rook: models on this machine' }).waitFor({ timeout: 30_000 });
    await page.locator(QUICK_PICK_ROW).filter({ hasText: OLLAMA_NAME }).first().click();
    const dialog = page.locator(DIALOG);
    await dialog.waitFor({ timeout: 10_000 });
    const question = (await dialog.innerText()).replace(/\s+/g, ' ');
    if (!question.includes(path.basename(blob))) throw new Error(`the confirmation does not name the blob: ${question}`);
    await dialog.getByRole('button', { name: 'Use It' }).click();
    await chat!.locator('#status', { hasText: /^local/ }).waitFor({ timeout: 120_000 });
  });
  await scenario.step('choosing openai again brings back the scripted engine after the local model', async () => {
    await pick('openai');
    await chat!.locator('#status', { hasText: 'openai · test-model' }).waitFor({ timeout: 30_000 });
  });
}
