/**
 * The chat header's engine picker: chooses `rook.engine` in the user settings (the only level Rook reads
 * it from, see settings.ts). The sidecar is reconfigured by the settings change, and the header's status
 * line then names the engine and model that answer.
 */
import * as vscode from 'vscode';
import type { EngineChoice } from '../../server/protocol/contract';

const choices: { choice: EngineChoice; description: string }[] = [
  { choice: 'auto', description: 'a configured OpenAI-compatible endpoint, otherwise the local model' },
  { choice: 'openai', description: 'the endpoints in rook.openai.endpoints' },
  { choice: 'local', description: 'the local model folder, run in the sidecar' },
];

export async function pickEngine(): Promise<void> {
  const settings = vscode.workspace.getConfiguration('rook');
  const current = settings.inspect<EngineChoice>('engine')?.globalValue ?? 'auto';
  const picked = await vscode.window.showQuickPick(
    choices.map(({ choice, description }) => ({ label: choice, description, picked: choice === current, choice })),
    { title: 'Engine for Rook', placeHolder: `Now: ${current}` },
  );
  if (picked && picked.choice !== current) {
    await settings.update('engine', picked.choice, vscode.ConfigurationTarget.Global);
  }
}
