/**
 * The chat header's engine picker: chooses `rook.engine` in the user settings (the only level Rook reads
 * it from, see settings.ts), or a model on a server found running on this machine (Ollama, llama.cpp's
 * server, LM Studio, vLLM, `rook serve`), which points `rook.openai.*` at it after the user confirms. The
 * sidecar is reconfigured by the settings change, and the header's status line then names the engine and
 * model that answer. A GGUF file that Ollama or LM Studio keeps is chosen through `rook.useModelOnMachine`.
 */
import * as vscode from 'vscode';
import type { DiscoveredServer, EngineChoice } from '../../server/protocol/contract';
import { confirmationFor, serverModelChoices, settingsForChoice } from './localServerChoice';

const choices: { choice: EngineChoice; description: string }[] = [
  { choice: 'auto', description: 'a configured OpenAI-compatible endpoint, otherwise the local model' },
  { choice: 'openai', description: 'the endpoints in rook.openai.endpoints' },
  { choice: 'local', description: 'the local model folder, run in the sidecar' },
];

const findServers = '$(search) Find model servers on this machine…';
const useModelFile = '$(file-binary) Use a model file already on this machine…';

export async function pickEngine(discoverServers: () => Promise<DiscoveredServer[]>): Promise<void> {
  const settings = vscode.workspace.getConfiguration('rook');
  const current = settings.inspect<EngineChoice>('engine')?.globalValue ?? 'auto';
  const picked = await vscode.window.showQuickPick(
    [
      ...choices.map(({ choice, description }) => ({ label: choice, description, picked: choice === current, choice })),
      { label: '', kind: vscode.QuickPickItemKind.Separator },
      { label: findServers, description: 'Ollama, llama.cpp, LM Studio, vLLM, rook serve on their default ports' },
      { label: useModelFile, description: "GGUF models Ollama or LM Studio downloaded, run by Rook's local engine" },
    ],
    { title: 'Engine for Rook', placeHolder: `Now: ${current}` },
  );
  if (!picked) return;
  if (picked.label === findServers) return pickLocalServer(discoverServers);
  if (picked.label === useModelFile) return void (await vscode.commands.executeCommand('rook.useModelOnMachine'));
  if ('choice' in picked && picked.choice !== current) {
    await settings.update('engine', picked.choice, vscode.ConfigurationTarget.Global);
  }
}

/** Finds the servers, offers their models, and after confirmation points Rook at the chosen one (user settings). */
export async function pickLocalServer(discoverServers: () => Promise<DiscoveredServer[]>): Promise<void> {
  let servers: DiscoveredServer[];
  try {
    servers = await vscode.window.withProgress(
      { location: vscode.ProgressLocation.Notification, title: 'Rook: looking for model servers on 127.0.0.1…' },
      () => discoverServers(),
    );
  } catch (error) {
    void vscode.window.showErrorMessage(`Rook could not look for model servers: ${(error as Error).message}`);
    return;
  }
  if (serverModelChoices(servers).length === 0) {
    void vscode.window.showInformationMessage(
      'Rook found no model server on this machine (it looked on 127.0.0.1 at the default ports: Ollama 11434, llama.cpp 8080, LM Studio 1234, vLLM and rook serve 8000). Start one, or set rook.openai.endpoints.',
    );
    return;
  }
  await chooseServerModel(servers);
}

/** Offers the models of `servers`; after the user picks one and confirms, points Rook at it. True when settings changed. */
export async function chooseServerModel(servers: readonly DiscoveredServer[]): Promise<boolean> {
  const options = serverModelChoices(servers);
  const choice = await vscode.window.showQuickPick(options, { title: 'Rook: models on this machine', placeHolder: 'Choose the model Rook should use', matchOnDescription: true });
  if (!choice) return false;
  const confirmed = await vscode.window.showInformationMessage(confirmationFor(choice), { modal: true }, 'Use It');
  if (confirmed !== 'Use It') return false;
  const { engine, endpoints, model } = settingsForChoice(choice);
  const settings = vscode.workspace.getConfiguration('rook');
  await settings.update('openai.endpoints', endpoints, vscode.ConfigurationTarget.Global);
  await settings.update('openai.model', model, vscode.ConfigurationTarget.Global);
  await settings.update('engine', engine, vscode.ConfigurationTarget.Global);
  return true;
}
