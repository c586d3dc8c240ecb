/**
 * End-to-end tests of the packaged extension in a real VS Code (code-server 4.100.3 + Debian chromium,
 * offline; see ../shared/notes/vscode-e2e-offline.md).
 *
 *   node out/test/e2e/run.js <path-to.vsix>
 *
 * Phase A runs the mocha suites of test/extension inside the extension host; phase B drives the workbench
 * UI: ghost text accepted with Tab; the chat view's streamed answers, Stop, code-block actions, history
 * across a reload, context and engine picker; the model comparison's table; hostile model output rendered in the
 * real webview (no script runs, no request leaves); and first run in a fresh profile (walkthrough, model servers found on this
 * machine, the embedded-model notice). All talk to scripted OpenAI-compatible engines (first run also to a real
 * `rook serve`). Ends with `N passed, M failed`; screenshots and the code-server log go to .cache/e2e/.
 */
import * as fs from 'node:fs';
import * as path from 'node:path';
import { REPORT_PATH_ENV } from '../extension/report';
import { launchBrowser } from './browser';
import { checkChatCodebase } from './checks/chatCodebase';
import { checkChatCodeBlocks } from './checks/chatCodeBlocks';
import { checkChatContext } from './checks/chatContext';
import { checkChatEnginePicker } from './checks/chatEnginePicker';
import { checkChatHistory } from './checks/chatHistory';
import { checkChatSecurity } from './checks/chatSecurity';
import { checkChatSourcesReload } from './checks/chatSourcesReload';
import { checkChatStop } from './checks/chatStop';
import { checkChatView } from './checks/chatView';
import { checkCompareModels } from './checks/compareModels';
import { checkFirstRun } from './checks/firstRun';
import { runExtensionHostSuites } from './checks/extensionHostSuites';
import { checkGhostText } from './checks/ghostText';
import { checkStatusBar } from './checks/statusBar';
import { codeServerBinary, installExtension, startCodeServer } from './codeServer';
import { errorMessage, Results } from './results';
import { createSandbox } from './sandbox';
import { startScriptedEngine } from './scriptedEngine';
import { elapsedMs } from './wait';
import { openWorkbench } from './workbench';

const REPO_ROOT = path.resolve(__dirname, '..', '..', '..');
const ARTIFACTS_DIR = path.join(REPO_ROOT, '.cache', 'e2e');
const SUITES_ENTRY = path.join(REPO_ROOT, 'out', 'test', 'extension', 'index.js');
const EXTENSION_HOST_TIMEOUT_MS = 300_000;
const WORKBENCH_LOAD_TIMEOUT_MS = 90_000;

/** The extension under test is this repository's package. */
function extensionId(): string {
  const manifest = JSON.parse(fs.readFileSync(path.join(REPO_ROOT, 'package.json'), 'utf8'));
  return `${manifest.publisher}.${manifest.name}`;
}

async function main(vsixPath: string): Promise<number> {
  const started = performance.now();
  fs.mkdirSync(ARTIFACTS_DIR, { recursive: true });
  const results = new Results();
  const timings = new Map<string, number>();
  /** Undone in reverse order, whatever happens. */
  const teardown: (() => Promise<void>)[] = [];
  let stage = 'checking prerequisites';
  let extensionPath: string | undefined;

  try {
    if (!fs.existsSync(vsixPath)) throw new Error(`no such .vsix: ${vsixPath}`);
    if (!fs.existsSync(SUITES_ENTRY)) throw new Error(`${SUITES_ENTRY} is missing; run npx tsc -p tsconfig.json`);
    const binary = codeServerBinary(REPO_ROOT);

    stage = 'starting the scripted engine';
    const engine = await startScriptedEngine();
    teardown.push(() => engine.close());

    stage = 'preparing the VS Code profile';
    const sandbox = await createSandbox(engine.baseUrl);
    teardown.push(async () => {
      if (results.failed === 0) await sandbox.remove();
      else console.log(`Sandbox kept for inspection: ${sandbox.root}`);
    });

    stage = `installing ${path.basename(vsixPath)}`;
    let mark = performance.now();
    extensionPath = await installExtension(binary, sandbox, vsixPath, extensionId());
    timings.set('install .vsix', elapsedMs(mark));

    stage = 'starting code-server';
    mark = performance.now();
    const reportFile = path.join(sandbox.root, 'extension-host-report.json');
    const server = await startCodeServer(binary, sandbox, {
      logFile: path.join(ARTIFACTS_DIR, 'code-server.log'),
      env: { [REPORT_PATH_ENV]: reportFile },
    });
    teardown.push(() => server.stop());
    timings.set('code-server ready', elapsedMs(mark));

    stage = 'launching chromium';
    const browser = await launchBrowser();
    teardown.push(() => browser.close());

    stage = 'running the extension-host suites';
    console.log('Phase A: extension-host suites');
    mark = performance.now();
    const suites = await runExtensionHostSuites(
      browser,
      server,
      { workspaceDir: sandbox.workspaceDir, extensionPath, testsEntry: SUITES_ENTRY, reportFile, timeoutMs: EXTENSION_HOST_TIMEOUT_MS },
      results,
    );
    console.log(`  codeAutomationExit: ${suites.exitCode ?? 'never called'}`);
    timings.set('phase A (extension-host suites)', elapsedMs(mark));
    if (suites.metrics.codeLoadMs !== undefined) timings.set('extension code load', suites.metrics.codeLoadMs);
    if (suites.metrics.activationMs !== undefined) timings.set('extension activate()', suites.metrics.activationMs);
    console.log(`  measured by the suites: ${JSON.stringify(suites.metrics)}`);

    stage = 'loading the workbench';
    console.log('Phase B: UI checks');
    mark = performance.now();
    const page = await openWorkbench(browser, server, sandbox.workspaceDir, WORKBENCH_LOAD_TIMEOUT_MS);
    // A failed step's screenshot goes with the sandbox, which is kept when anything failed.
    let failureShots = 0;
    results.onStepFailure = async (label) => {
      const file = path.join(sandbox.root, 'failures', `${++failureShots}-${label.replace(/[^A-Za-z0-9]+/g, '-').slice(0, 80)}.png`);
      fs.mkdirSync(path.dirname(file), { recursive: true });
      await page.screenshot({ path: file });
      console.log(`    screenshot: ${file}`);
    };
    timings.set('workbench load', elapsedMs(mark));

    stage = 'running the UI checks';
    await checkStatusBar(page, results);
    await checkGhostText(page, results, { sourceFile: sandbox.sourceFile, screenshot: path.join(ARTIFACTS_DIR, 'ghost.png') });
    await checkChatView(page, results, { engine, screenshot: path.join(ARTIFACTS_DIR, 'chat.png') });
    await checkChatStop(page, results, { engine });
    await checkChatCodeBlocks(page, results, { sourceFile: sandbox.sourceFile, screenshot: path.join(ARTIFACTS_DIR, 'chat-code-blocks.png') });
    await checkChatHistory(page, results, { workspaceDir: sandbox.workspaceDir });
    await checkChatContext(page, results, { engine, sourceFile: sandbox.sourceFile });
    await checkChatCodebase(page, results, { engine, workspaceDir: sandbox.workspaceDir });
    await checkChatSourcesReload(page, results, { workspaceDir: sandbox.workspaceDir });
    await checkChatEnginePicker(page, results, { homeDir: sandbox.homeDir });
    await checkCompareModels(page, results, { workspaceDir: sandbox.workspaceDir, engine, screenshot: path.join(ARTIFACTS_DIR, 'compare-models.png') });
    // The last two checks run their own VS Code; a screenshot of this one would mislead.
    results.onStepFailure = undefined;
    await checkChatSecurity(browser, results, { codeServerBinary: binary, vsixPath, extensionId: extensionId(), logFile: path.join(ARTIFACTS_DIR, 'code-server-hostile.log'), screenshot: path.join(ARTIFACTS_DIR, 'chat-hostile.png') });
    await checkFirstRun(browser, results, { codeServerBinary: binary, vsixPath, extensionId: extensionId(), repoRoot: REPO_ROOT, logFile: path.join(ARTIFACTS_DIR, 'code-server-first-run.log'), screenshot: path.join(ARTIFACTS_DIR, 'first-run.png') });
    timings.set('phase B (UI checks)', elapsedMs(mark));
  } catch (error) {
    results.add({ phase: 'harness', name: stage, passed: false, detail: errorMessage(error) });
  } finally {
    for (const undo of teardown.reverse()) await undo().catch((error) => console.error(`teardown: ${errorMessage(error)}`));
  }

  if (extensionPath) {
    const leftovers = await sidecarProcesses(extensionPath);
    results.add({
      phase: 'harness',
      name: 'no Rook sidecar outlives VS Code',
      passed: leftovers.length === 0,
      detail: leftovers.join('; '),
    });
  }

  timings.set('total', elapsedMs(started));
  console.log('Timings:');
  for (const [name, ms] of timings) console.log(`  ${name}: ${ms < 1_000 ? `${ms} ms` : `${(ms / 1000).toFixed(1)} s`}`);
  console.log(`Artifacts: ${ARTIFACTS_DIR}`);
  console.log(`${results.passed} passed, ${results.failed} failed`);
  return results.failed > 0 ? 1 : 0;
}

/** Command lines of running processes started from the installed extension's sidecar bundle. */
async function sidecarProcesses(extensionPath: string): Promise<string[]> {
  // The group kill in teardown is asynchronous in the kernel; give exiting processes a moment.
  await new Promise((resolve) => setTimeout(resolve, 500));
  const sidecar = path.join(extensionPath, 'dist', 'rook.js');
  const found: string[] = [];
  for (const pid of fs.readdirSync('/proc').filter((name) => /^\d+$/.test(name))) {
    try {
      const commandLine = fs.readFileSync(`/proc/${pid}/cmdline`, 'utf8').split('\0').join(' ');
      if (commandLine.includes(sidecar)) found.push(`${pid}: ${commandLine.trim()}`);
    } catch {
      // The process ended while we looked.
    }
  }
  return found;
}

// Exit through process.exit so that the code-server group is killed on Ctrl+C too (see codeServer.ts).
process.once('SIGINT', () => process.exit(130));
process.once('SIGTERM', () => process.exit(143));

const vsix = process.argv[2];
if (!vsix) {
  console.error('usage: node out/test/e2e/run.js <path-to.vsix>');
  process.exit(2);
}
main(path.resolve(vsix)).then(
  (code) => process.exit(code),
  (error) => {
    console.error(error);
    process.exit(1);
  },
);
