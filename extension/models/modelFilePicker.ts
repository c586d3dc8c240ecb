/**
 * **Rook: Use a Model Already on This Machine…**: the GGUF models Ollama and LM Studio keep on this machine (found by
 * the sidecar, `rook/discoverModelFiles`), offered in a quick pick; after the user confirms, `rook.local.modelPath`
 * (user scope, as the server picker writes endpoints) points at the chosen GGUF and `rook.engine` at `local`. The
 * sidecar's reconfiguration then converts the file once, with its progress notification.
 */
import * as vscode from 'vscode';
import type { DiscoveredModelFile } from '../../server/protocol/contract';
import { confirmationForFile, modelFileChoices } from './modelFileChoices';

export async function pickModelFile(discoverModelFiles: () => Promise<DiscoveredModelFile[]>): Promise<boolean> {
  let files: DiscoveredModelFile[];
  try {
    files = await vscode.window.withProgress(
      { location: vscode.ProgressLocation.Notification, title: "Rook: looking in Ollama's and LM Studio's model folders…" },
      () => discoverModelFiles(),
    );
  } catch (error) {
    void vscode.window.showErrorMessage(`Rook could not look for models on this machine: ${(error as Error).message}`);
    return false;
  }
  const choices = modelFileChoices(files);
  if (choices.length === 0) {
    void vscode.window.showInformationMessage(
      "Rook found no GGUF models on this machine (it looked in Ollama's store, $OLLAMA_MODELS or ~/.ollama/models, and LM Studio's ~/.lmstudio/models). Set rook.local.modelPath to a .gguf file or a converted model folder instead.",
    );
    return false;
  }
  const choice = await vscode.window.showQuickPick(choices, { title: 'Rook: models on this machine', placeHolder: 'Choose the GGUF model Rook should run', matchOnDescription: true, matchOnDetail: true });
  if (!choice) return false;
  if (choice.file === undefined) {
    void vscode.window.showWarningMessage(`Rook cannot run ${choice.label.replace('$(circle-slash) ', '')}: ${choice.detail.replace('Not supported: ', '')}.`);
    return false;
  }
  const confirmed = await vscode.window.showInformationMessage(confirmationForFile({ ...choice, file: choice.file }), { modal: true }, 'Use It');
  if (confirmed !== 'Use It') return false;
  const settings = vscode.workspace.getConfiguration('rook');
  await settings.update('local.modelPath', choice.file, vscode.ConfigurationTarget.Global);
  await settings.update('engine', 'local', vscode.ConfigurationTarget.Global);
  return true;
}
