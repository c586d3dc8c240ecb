/**
 * Rook's extension entry: wires the sidecar supervisor to the status bar, chat view, refactor
 * commands and settings. vscode-languageclient registers the inline-completion provider for the
 * sidecar's `textDocument/inlineCompletion` capability; extension/completion/ shapes when it asks.
 */
import * as vscode from 'vscode';
import type { SidecarState, SidecarStatus } from '../server/protocol/contract';
import { registerChatView } from './chat/chatView';
import { registerCompareCommand } from './compare/compareCommand';
import { registerInlineCompletions } from './completion/inlineCompletions';
import { registerConversionProgress } from './models/conversionProgress';
import { pickModelFile } from './models/modelFilePicker';
import { registerRefactorCommands } from './refactor/commands';
import { EditReview } from './refactor/editReview';
import { registerOnboarding } from './onboarding/onboarding';
import { apiKeySecret, readSettings } from './settings';
import { createStatusBar } from './status/statusBar';
import { SidecarSupervisor } from './sidecar/supervisor';

/** What `activate` returns: used by Rook's own extension tests and by other extensions. */
export interface RookApi {
  sidecarStatus(): SidecarStatus;
  /** Asks the sidecar, for counters it does not push (completion requests and engine calls). */
  freshSidecarStatus(): Promise<SidecarStatus | undefined>;
  waitForState(state: SidecarState, timeoutMs: number): Promise<SidecarStatus>;
  sidecarPid(): number | undefined;
  activationMs: number;
}

let supervisor: SidecarSupervisor | undefined;

export async function activate(context: vscode.ExtensionContext): Promise<RookApi> {
  const started = Date.now();
  const log = vscode.window.createOutputChannel('Rook', { log: true });
  const settings = async () => readSettings(await context.secrets.get(apiKeySecret));
  const storage = (name: string) => vscode.Uri.joinPath(context.globalStorageUri, name).fsPath;
  const sidecar = new SidecarSupervisor(context.asAbsolutePath('dist/rook.js'), log, settings, storage('index'), storage('models'));
  supervisor = sidecar;
  // One review for every proposed edit, whether it comes from a refactor command or a chat code block.
  const review = new EditReview(log);
  const chatView = registerChatView(context, sidecar, log, review);

  context.subscriptions.push(
    log,
    createStatusBar(sidecar.onDidChangeStatus, sidecar.status),
    registerInlineCompletions(sidecar),
    review,
    chatView,
    registerRefactorCommands(sidecar, log, chatView, review),
    registerCompareCommand(sidecar, log),
    // A .gguf in rook.local.modelPath: the conversion's notification, and the models Ollama and LM Studio already have.
    registerConversionProgress(sidecar, log),
    vscode.commands.registerCommand('rook.useModelOnMachine', () => pickModelFile(() => sidecar.discoverModelFiles())),
    // First run (walkthrough, servers on this machine, the embedded-model notice) and the ways to a real model.
    registerOnboarding(context, sidecar, log),
    sidecar.onDidChangeStatus((status) => {
      if (status.state === 'error' || status.state === 'no-engine') log.warn(status.message ?? status.state);
    }),
    vscode.commands.registerCommand('rook.showLog', () => log.show()),
    vscode.commands.registerCommand('rook.openChat', () => vscode.commands.executeCommand('rook.chatView.focus')),
    vscode.commands.registerCommand('rook.restartSidecar', () => sidecar.restart()),
    vscode.commands.registerCommand('rook.triggerCompletion', () => vscode.commands.executeCommand('editor.action.inlineSuggest.trigger')),
    vscode.commands.registerCommand('rook.setApiKey', async () => {
      const key = await vscode.window.showInputBox({ prompt: 'API key (bearer token) for the remote engine', password: true, ignoreFocusOut: true });
      if (key === undefined) return;
      await context.secrets.store(apiKeySecret, key);
      await sidecar.configure();
    }),
    vscode.commands.registerCommand('rook.clearApiKey', async () => {
      await context.secrets.delete(apiKeySecret);
      await sidecar.configure();
    }),
    context.secrets.onDidChange((event) => {
      if (event.key === apiKeySecret) void sidecar.configure();
    }),
    vscode.workspace.onDidChangeConfiguration((event) => {
      if (event.affectsConfiguration('rook')) void sidecar.configure();
    }),
  );

  // The sidecar starts in the background: activation must not wait on a process spawn.
  sidecar.start().catch((error: Error) => log.error(`Sidecar did not start: ${error.message}`));

  return {
    sidecarStatus: () => sidecar.status,
    freshSidecarStatus: () => sidecar.freshStatus(),
    sidecarPid: () => sidecar.pid,
    waitForState: (state, timeoutMs) => waitForState(sidecar, state, timeoutMs),
    activationMs: Date.now() - started,
  };
}

function waitForState(sidecar: SidecarSupervisor, state: SidecarState, timeoutMs: number): Promise<SidecarStatus> {
  if (sidecar.status.state === state) return Promise.resolve(sidecar.status);
  return new Promise((resolve, reject) => {
    const timer = setTimeout(() => {
      subscription.dispose();
      reject(new Error(`Sidecar did not reach "${state}" within ${timeoutMs} ms; it is "${sidecar.status.state}": ${sidecar.status.message ?? ''}`));
    }, timeoutMs);
    const subscription = sidecar.onDidChangeStatus((status) => {
      if (status.state !== state) return;
      clearTimeout(timer);
      subscription.dispose();
      resolve(status);
    });
  });
}

export async function deactivate(): Promise<void> {
  await supervisor?.dispose();
  supervisor = undefined;
}
