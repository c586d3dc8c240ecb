/**
 * `npm run bench -- completion-vscode`: keystroke to ghost text in a real VS Code. The packaged .vsix runs in
 * code-server + Chromium (the harness of test/e2e) on the embedded model; the bench types the rest of a line
 * into real source files at 80-150 ms a keystroke, with a thinking pause every 6-15 keystrokes and at the end of
 * each line, and times each keystroke from its `keydown` in the page to the next frame that shows ghost text
 * (`requestAnimationFrame` after the editor's DOM changed). The same sessions, same keystrokes and same gaps, are
 * replayed in the same run against a bare sidecar through the extension's triggering logic (`replay.ts`): the
 * difference is what VS Code, the extension host and rendering add.
 * Usage: node out/bench/completion/vscodeBench.js [--vsix FILE] [--out bench/completion/results-vscode.json]
 */
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import type { Page } from 'playwright-core';
import { CompletionTrigger } from '../../extension/completion/completionTrigger';
import { percentile } from '../../server/metrics/latency';
import { defaultSettings, type RookSettings } from '../../server/protocol/contract';
import { launchBrowser } from '../../test/e2e/browser';
import { codeServerBinary, installExtension, startCodeServer } from '../../test/e2e/codeServer';
import { createSandbox } from '../../test/e2e/sandbox';
import { openFile, openWorkbench, runCommand } from '../../test/e2e/workbench';
import { repoRoot, startSidecar } from '../../test/sidecar/sidecarProcess';
import { breakdown, open, Requests, round, seededRandom, sleep, stats, typeThrough } from './replay';

const sourceFiles = [
  'node_modules/vscode-languageserver/lib/common/server.js',
  'node_modules/vscode-jsonrpc/lib/common/connection.js',
  'node_modules/highlight.js/lib/core.js',
  'node_modules/eventsource-parser/dist/index.js',
];
const sessionsPerFile = 4;
const pauseMs = 700;
const embeddedModel = path.join(repoRoot, 'models', 'rook-moe-mini');
/** Rook's status-bar entry (VS Code gives it the id `<extension id>.<entry id>`). */
const statusItem = '.part.statusbar [id^="rook-dev.rook"]';

interface TypingSession {
  file: string;
  /** The file as opened: the typed text cut out at `offset`. */
  text: string;
  offset: number;
  typed: string;
  /** Milliseconds after each keystroke. */
  gaps: number[];
}

/** Lines of real files to retype from their first non-blank character, with the gaps between keystrokes. */
function planSessions(): TypingSession[] {
  const random = seededRandom(7);
  const sessions: TypingSession[] = [];
  for (const file of sourceFiles) {
    const source = fs.readFileSync(path.join(repoRoot, file), 'utf8');
    const lineStarts = [0];
    for (let at = source.indexOf('\n'); at !== -1; at = source.indexOf('\n', at + 1)) lineStarts.push(at + 1);
    while (sessions.filter((session) => session.file === file).length < sessionsPerFile) {
      const line = Math.floor(lineStarts.length * (0.2 + 0.6 * random()));
      const start = lineStarts[line] + (source.slice(lineStarts[line]).match(/^[ \t]*/)?.[0].length ?? 0);
      const end = lineStarts[line + 1] - 1;
      if (end - start < 15 || end - start > 80) continue;
      let untilPause = 6 + Math.floor(10 * random());
      const gaps = Array.from({ length: end - start }, (_, index) => {
        if (index === end - start - 1 || --untilPause <= 0) {
          untilPause = 6 + Math.floor(10 * random());
          return pauseMs;
        }
        return 80 + 70 * random();
      });
      sessions.push({ file, text: source.slice(0, start) + source.slice(end), offset: start, typed: source.slice(start, end), gaps });
    }
  }
  return sessions;
}

function summary(latencies: number[], keystrokes: number) {
  return {
    keystrokes,
    suggestionsShown: latencies.length,
    p50Ms: round(percentile(latencies, 50)),
    p95Ms: round(percentile(latencies, 95)),
  };
}

/** The same sessions against a bare sidecar (`node dist/rook.js lsp --stdio`) on the embedded model. */
async function sidecarOnly(sessions: TypingSession[]) {
  const sidecar = await startSidecar();
  try {
    // Every suggestion shown (no confidence threshold), so that the typing-through paths are measured whatever the model's confidence.
    const settings: RookSettings = { ...defaultSettings, completion: { ...defaultSettings.completion, minConfidence: 0 }, engine: 'local', local: { modelPath: embeddedModel, executionProvider: 'cpu', threads: 0 } };
    const status = await sidecar.configure(settings);
    if (status.state !== 'ready') throw new Error(`sidecar not ready: ${status.message}`);
    const requests = new Requests(sidecar);
    const before = await stats(sidecar);
    const latencies: number[] = [];
    let keystrokes = 0;
    for (const [index, session] of sessions.entries()) {
      const document = await open(sidecar, `file:///bench/line${index}.js`, session.text, session.offset);
      let gap = 0;
      const outcomes = await typeThrough(document, session.typed, () => session.gaps[gap++], new CompletionTrigger(), requests);
      keystrokes += outcomes.length;
      latencies.push(...outcomes.flatMap((outcome) => (outcome.latencyMs === undefined ? [] : [outcome.latencyMs])));
      await document.close();
    }
    return { ...summary(latencies, keystrokes), sidecarBreakdown: breakdown(before, await stats(sidecar)) };
  } finally {
    await sidecar.stop();
  }
}

/**
 * Installed in the workbench page: the time of every keydown, and of every frame that shows ghost text after
 * the editor's DOM changed (one per change, so a suggestion kept while typing through it counts again).
 */
function installRecorder(): void {
  const ghostSelector = '.monaco-editor .ghost-text-decoration, .monaco-editor .ghost-text-decoration-preview, .monaco-editor .ghost-text';
  const record = { keydowns: [] as number[], ghosts: [] as number[] };
  (window as unknown as { rookBench: typeof record }).rookBench = record;
  window.addEventListener('keydown', () => record.keydowns.push(performance.now()), true);
  let frameAsked = false;
  const editors = document.querySelector('.monaco-workbench .part.editor') ?? document.body;
  new MutationObserver(() => {
    if (frameAsked) return;
    frameAsked = true;
    requestAnimationFrame(() => {
      frameAsked = false;
      const shown = [...document.querySelectorAll(ghostSelector)].some((element) => (element.textContent ?? '').trim() !== '');
      if (shown) record.ghosts.push(performance.now());
    });
  }).observe(editors, { childList: true, subtree: true, characterData: true });
}

/** Per keystroke, the first frame with ghost text before the next keystroke, in ms after the keydown. */
function keystrokeLatencies(keydowns: number[], ghosts: number[], sessionEnd: number): number[] {
  const latencies: number[] = [];
  keydowns.forEach((down, index) => {
    const next = keydowns[index + 1] ?? sessionEnd;
    const shown = ghosts.find((at) => at > down && at < next);
    if (shown !== undefined) latencies.push(shown - down);
  });
  return latencies;
}

async function waitForReady(page: Page): Promise<void> {
  const item = page.locator(statusItem).first();
  const deadline = Date.now() + 120_000;
  for (;;) {
    const label = ((await item.getAttribute('aria-label').catch(() => null)) ?? '').toLowerCase();
    if (label.includes('rook') && !label.includes('loading') && !label.includes('warning') && !label.includes('circle-slash')) return;
    if (Date.now() > deadline) throw new Error(`Rook did not become ready; its status bar entry says "${label}"`);
    await sleep(500);
  }
}

async function inVsCode(sessions: TypingSession[], vsixPath: string) {
  const teardown: (() => Promise<unknown>)[] = [];
  try {
    const binary = codeServerBinary(repoRoot);
    const sandbox = await createSandbox('http://127.0.0.1:9/v1');
    teardown.push(() => sandbox.remove());
    const userSettings = path.join(sandbox.userDataDir, 'User', 'settings.json');
    const settings = JSON.parse(fs.readFileSync(userSettings, 'utf8'));
    delete settings['rook.openai.endpoints'];
    fs.writeFileSync(userSettings, JSON.stringify({ ...settings, 'rook.engine': 'local', 'rook.local.executionProvider': 'cpu', 'rook.completion.minConfidence': 0, 'files.autoSave': 'off' }, null, 2));
    sessions.forEach((session, index) => fs.writeFileSync(path.join(sandbox.workspaceDir, `line${index}.js`), session.text));
    const manifest = JSON.parse(fs.readFileSync(path.join(repoRoot, 'package.json'), 'utf8'));
    await installExtension(binary, sandbox, vsixPath, `${manifest.publisher}.${manifest.name}`);
    const logFile = path.join(os.tmpdir(), `rook-bench-code-server-${process.pid}.log`);
    const server = await startCodeServer(binary, sandbox, { logFile });
    teardown.push(() => server.stop());
    const browser = await launchBrowser();
    teardown.push(() => browser.close());
    const page = await openWorkbench(browser, server, sandbox.workspaceDir, 120_000);
    await waitForReady(page);
    await page.evaluate(installRecorder);

    const latencies: number[] = [];
    let keystrokes = 0;
    for (const [index, session] of sessions.entries()) {
      await openFile(page, `line${index}.js`);
      const before = session.text.slice(0, session.offset);
      const line = before.split('\n').length;
      const column = session.offset - before.lastIndexOf('\n');
      await page.keyboard.press('Control+G');
      await page.keyboard.type(`${line}:${column}`);
      await page.keyboard.press('Enter');
      await sleep(pauseMs);
      await page.evaluate(() => {
        const record = (window as unknown as { rookBench: { keydowns: number[]; ghosts: number[] } }).rookBench;
        record.keydowns.length = 0;
        record.ghosts.length = 0;
      });
      for (const [at, char] of [...session.typed].entries()) {
        await page.keyboard.type(char);
        await sleep(session.gaps[at]);
      }
      const record = await page.evaluate(() => ({ ...(window as unknown as { rookBench: { keydowns: number[]; ghosts: number[] } }).rookBench, now: performance.now() }));
      keystrokes += record.keydowns.length;
      latencies.push(...keystrokeLatencies(record.keydowns, record.ghosts, record.now));
      // Sessions are separate edits: no copy of an earlier one stays open as a context snippet.
      await page.keyboard.press('Escape');
      await runCommand(page, 'View: Revert and Close Editor');
    }
    return summary(latencies, keystrokes);
  } finally {
    for (const undo of teardown.reverse()) await undo().catch((error) => console.error(`teardown: ${(error as Error).message}`));
  }
}

async function main(): Promise<void> {
  const args = process.argv.slice(2);
  const option = (name: string) => (args.includes(name) ? args[args.indexOf(name) + 1] : undefined);
  const { version } = JSON.parse(fs.readFileSync(path.join(repoRoot, 'package.json'), 'utf8'));
  const vsix = path.resolve(option('--vsix') ?? path.join(repoRoot, `rook-${process.platform}-${process.arch}-${version}.vsix`));
  if (!fs.existsSync(vsix)) throw new Error(`no ${vsix}: run \`node native/package-vsix.mjs\` (npm run bench -- completion-vscode does)`);
  const sessions = planSessions();
  const loadBefore = os.loadavg()[0];
  const sidecar = await sidecarOnly(sessions);
  const vscode = await inVsCode(sessions, vsix);
  const results = {
    date: new Date().toISOString(),
    machine: `${process.platform}-${process.arch}, ${os.cpus().length} cores, shared: load average ${round(loadBefore)} before, ${round(os.loadavg()[0])} after`,
    model: 'models/rook-moe-mini (embedded), CPU',
    sessions: sessions.length,
    keystrokeToGhostTextInVsCode: vscode,
    keystrokeToSuggestionSidecarOnly: sidecar,
    vscodeOverSidecar: { p50: round(vscode.p50Ms / sidecar.p50Ms, 2), p95: round(vscode.p95Ms / sidecar.p95Ms, 2) },
    targets: { p50Ms: 100, p95Ms: 250 },
  };
  const text = JSON.stringify(results, null, 2);
  console.log(text);
  const out = option('--out');
  if (out) fs.writeFileSync(out, text + '\n');
}

main().then(
  () => process.exit(0),
  (error) => {
    console.error(error);
    process.exit(1);
  },
);
