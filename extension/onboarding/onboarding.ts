/**
 * First run and the ways to a real model: runs the first-run state machine (`firstRun.ts`) against globalState,
 * the sidecar's status and the user settings, and registers the commands the walkthrough, the notices and the
 * command palette share: Get Started, Find Model Servers, Set Endpoint…, Convert a Model…, Open Settings.
 * Settings are only ever changed in the user scope, after the user chose (and, for a server found, confirmed).
 */
import * as path from 'node:path';
import * as vscode from 'vscode';
import type { DiscoveredServer } from '../../server/protocol/contract';
import { chooseServerModel, pickLocalServer } from '../chat/enginePicker';
import type { SidecarConnection } from '../sidecar/connection';
import { userValue } from '../settings';
import { convertModel } from './convertCommand';
import {
  freshSession,
  isConfigured,
  isEmbeddedModel,
  memoryAfter,
  nextFirstRunStep,
  readMemory,
  type FirstRunMemory,
  type FirstRunSession,
  type FirstRunSituation,
} from './firstRun';
import { embeddedNoticeActions, embeddedNoticeText, endpointInputError, endpointNote, normalizedEndpoint, serverOfferActions, serverOfferText } from './notices';

/** globalState key of `FirstRunMemory`. */
export const firstRunMemoryKey = 'rook.firstRun';
/** The walkthrough's id in package.json (`contributes.walkthroughs`). */
const walkthroughId = 'rook.gettingStarted';

export function registerOnboarding(context: vscode.ExtensionContext, sidecar: SidecarConnection, log: vscode.LogOutputChannel): vscode.Disposable {
  const embeddedDir = context.asAbsolutePath(path.join('models', 'rook-moe-mini'));
  const discover = () => sidecar.discoverServers();
  const openWalkthrough = () => vscode.commands.executeCommand('workbench.action.openWalkthrough', `${context.extension.id}#${walkthroughId}`, false);
  const openSettings = () => vscode.commands.executeCommand('workbench.action.openSettings', `@ext:${context.extension.id}`);

  let memory = readMemory(context.globalState.get(firstRunMemoryKey));
  const session: FirstRunSession = { ...freshSession };
  const remember = async (next: FirstRunMemory) => {
    memory = next;
    await context.globalState.update(firstRunMemoryKey, next);
  };
  const situation = (): FirstRunSituation => ({
    configured: isConfigured({ endpoints: userValue<string[]>('rook', 'openai.endpoints', []), modelPath: userValue('rook', 'local.modelPath', '') }),
    sidecar: sidecar.status.state,
    embeddedInUse: isEmbeddedModel(sidecar.status.engine, embeddedDir),
  });

  const offerServers = async (servers: DiscoveredServer[]) => {
    const text = serverOfferText(servers);
    if (!text) return;
    session.noticeShown = true;
    const answer = await vscode.window.showInformationMessage(text, serverOfferActions.choose, serverOfferActions.notNow);
    if (answer === serverOfferActions.choose && (await chooseServerModel(servers))) log.info('First run: Rook now uses a model server found on this machine.');
  };

  const showEmbeddedNotice = async () => {
    const { findServers, otherWays, dontShowAgain } = embeddedNoticeActions;
    const answer = await vscode.window.showInformationMessage(embeddedNoticeText, findServers, otherWays, dontShowAgain);
    if (answer === dontShowAgain) await remember(memoryAfter(memory, 'embedded-notice', 'dismissed'));
    else if (answer === findServers) await pickLocalServer(discover);
    else if (answer === otherWays) await openWalkthrough();
  };

  /** Runs steps until there is nothing to do for now; re-entered on every status or settings change. */
  let advancing = false;
  const advance = async () => {
    if (advancing) return;
    advancing = true;
    try {
      for (;;) {
        const step = nextFirstRunStep(memory, situation(), session);
        if (step === 'wait') return;
        switch (step) {
          case 'open-walkthrough':
            log.info('First run: opening the Get Started walkthrough.');
            await remember(memoryAfter(memory, step));
            await Promise.resolve(openWalkthrough()).catch((error: Error) => log.warn(`Could not open the walkthrough: ${error.message}`));
            break;
          case 'skip-walkthrough':
          case 'skip-probe':
            await remember(memoryAfter(memory, step));
            break;
          case 'probe-servers': {
            session.busy = true;
            session.probeTried = true;
            try {
              const servers = await discover();
              log.info(`First run: looked for model servers on 127.0.0.1: ${servers.length === 0 ? 'none found' : servers.map((s) => `${s.name} at ${s.baseUrl}`).join(', ')}.`);
              await remember(memoryAfter(memory, step, 'done'));
              // The offer waits for the user as long as they like; the rest of first run does not wait for it.
              void offerServers(servers);
            } catch (error) {
              log.warn(`First run: could not look for model servers: ${(error as Error).message}`);
            } finally {
              session.busy = false;
            }
            break;
          }
          case 'embedded-notice':
            session.noticeShown = true;
            void showEmbeddedNotice();
            break;
        }
      }
    } finally {
      advancing = false;
    }
  };

  const kick = () => void advance().catch((error: Error) => log.error(`First run: ${error.message}`));
  kick();
  return vscode.Disposable.from(
    sidecar.onDidChangeStatus(kick),
    vscode.workspace.onDidChangeConfiguration((event) => {
      if (event.affectsConfiguration('rook')) kick();
    }),
    vscode.commands.registerCommand('rook.getStarted', openWalkthrough),
    vscode.commands.registerCommand('rook.findModelServers', () => pickLocalServer(discover)),
    vscode.commands.registerCommand('rook.setEndpoint', setEndpoint),
    vscode.commands.registerCommand('rook.convertModel', () => convertModel(context.asAbsolutePath(path.join('dist', 'rook.js')), log)),
    vscode.commands.registerCommand('rook.openSettings', openSettings),
  );
}

/** Asks for an OpenAI-compatible endpoint and points Rook at it (user settings; the prompt says what changes). */
async function setEndpoint(): Promise<void> {
  const current = userValue<string[]>('rook', 'openai.endpoints', []);
  const value = await vscode.window.showInputBox({
    title: 'Rook: OpenAI-compatible endpoint',
    prompt:
      'The server\'s base URL with its API prefix (vLLM, SGLang, llama.cpp, Ollama, LM Studio, rook serve). Rook sets rook.engine to "openai" and rook.openai.endpoints to this URL in your user settings; a new URL also sets rook.openai.model to "" (the server\'s first model).',
    value: current[0] ?? 'http://127.0.0.1:8000/v1',
    ignoreFocusOut: true,
    validateInput: (text) => {
      const error = endpointInputError(text);
      if (error) return error;
      const note = endpointNote(text);
      return note ? { message: note, severity: vscode.InputBoxValidationSeverity.Info } : undefined;
    },
  });
  if (value === undefined) return;
  const endpoint = normalizedEndpoint(value);
  const settings = vscode.workspace.getConfiguration('rook');
  if (current[0] !== endpoint) await settings.update('openai.model', '', vscode.ConfigurationTarget.Global);
  await settings.update('openai.endpoints', [endpoint], vscode.ConfigurationTarget.Global);
  await settings.update('engine', 'openai', vscode.ConfigurationTarget.Global);
  const key = await vscode.window.showInformationMessage(
    `Rook now uses ${endpoint}; the status bar shows when it answers. If the server needs an API key, set it now (it is kept in VS Code's secret storage).`,
    'Set API Key…',
  );
  if (key) await vscode.commands.executeCommand('rook.setApiKey');
}
