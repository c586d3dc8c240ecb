/**
 * "Rook: Convert a Model…": runs `rook convert` (Rook's own CLI, in the extension host's Node) on a checkpoint
 * folder or GGUF file the user picks, with progress and Cancel, its output in Rook's log; then, or for a folder
 * converted before, points `rook.local.modelPath` at the result once the user confirms (user settings).
 */
import { spawn } from 'node:child_process';
import * as fs from 'node:fs';
import * as path from 'node:path';
import * as vscode from 'vscode';
import { convertArguments, convertSources, defaultOutputFolder, outputFolderError, quantizations, type OutputFolderState } from './convertPlan';

export async function convertModel(rookScript: string, log: vscode.LogOutputChannel): Promise<void> {
  const choice = await vscode.window.showQuickPick(convertSources, { title: 'Rook: a model for the local engine', placeHolder: 'What do you have?' });
  if (!choice) return;
  if (choice.source === 'converted') {
    const folder = await pickOne({ canSelectFolders: true, canSelectFiles: false, openLabel: 'Use This Model Folder' });
    if (folder) await useModelFolder(folder);
    return;
  }
  const input =
    choice.source === 'gguf'
      ? await pickOne({ canSelectFiles: true, canSelectFolders: false, filters: { 'GGUF model': ['gguf'] }, openLabel: 'Convert This File' })
      : await pickOne({ canSelectFolders: true, canSelectFiles: false, openLabel: 'Convert This Checkpoint' });
  if (!input) return;
  const out = await vscode.window.showInputBox({
    title: 'Rook: where to write the converted model',
    prompt: 'A new folder (or one an earlier conversion wrote): config.json, model.onnx, tokenizer.json go there',
    value: defaultOutputFolder(input),
    ignoreFocusOut: true,
    validateInput: (text) => outputFolderError(input, text, folderState),
  });
  if (out === undefined) return;
  const quant = await vscode.window.showQuickPick(quantizations, { title: 'Rook: how to store the weights', placeHolder: 'Linear layers as int8 are about as accurate and twice as fast' });
  if (!quant) return;
  const outDir = path.resolve(out.trim());
  const args = convertArguments(rookScript, input, outDir, quant.quant);
  log.info(`Converting: ${[process.execPath, ...args].join(' ')}`);
  const code = await vscode.window.withProgress(
    { location: vscode.ProgressLocation.Notification, title: `Rook: converting ${path.basename(input)}`, cancellable: true },
    (progress, token) => {
      progress.report({ message: 'this takes a while for a large model; the output goes to Rook: Show Log' });
      return run(args, log, token);
    },
  );
  if (code === 'cancelled') {
    log.info('Conversion cancelled.');
    return;
  }
  if (code !== 0) {
    const show = await vscode.window.showErrorMessage(`rook convert failed (exit ${code}); the log says why.`, 'Show Log');
    if (show) log.show();
    return;
  }
  await useModelFolder(outDir);
}

async function pickOne(options: vscode.OpenDialogOptions): Promise<string | undefined> {
  const picked = await vscode.window.showOpenDialog({ canSelectMany: false, ...options });
  return picked?.[0]?.fsPath;
}

function folderState(dir: string): OutputFolderState {
  try {
    const entries = fs.readdirSync(dir);
    if (entries.length === 0) return 'empty';
    return entries.includes('model.onnx') && entries.includes('config.json') ? 'model-folder' : 'other';
  } catch (error) {
    return (error as NodeJS.ErrnoException).code === 'ENOENT' ? 'missing' : 'other';
  }
}

/** Runs the CLI in the extension host's own Node (Electron's, as Node, in desktop VS Code); its output goes to the log. */
function run(args: string[], log: vscode.LogOutputChannel, token: vscode.CancellationToken): Promise<number | 'cancelled'> {
  return new Promise((resolve) => {
    const child = spawn(process.execPath, args, { env: { ...process.env, ELECTRON_RUN_AS_NODE: '1' }, stdio: ['ignore', 'pipe', 'pipe'] });
    const forward = (chunk: Buffer) => {
      for (const line of chunk.toString('utf8').split(/\r?\n/)) if (line.trim()) log.info(`rook convert: ${line}`);
    };
    child.stdout.on('data', forward);
    child.stderr.on('data', forward);
    const cancel = token.onCancellationRequested(() => child.kill());
    child.once('error', (error) => {
      log.error(`rook convert did not start: ${error.message}`);
      cancel.dispose();
      resolve(1);
    });
    child.once('close', (code) => {
      cancel.dispose();
      resolve(token.isCancellationRequested ? 'cancelled' : (code ?? 1));
    });
  });
}

/** Points the local engine at `folder` after the user confirms (user settings). */
async function useModelFolder(folder: string): Promise<void> {
  const missing = ['config.json', 'model.onnx', 'tokenizer.json'].filter((name) => !fs.existsSync(path.join(folder, name)));
  if (missing.length > 0) {
    void vscode.window.showErrorMessage(`${folder} is not a Rook model folder: it has no ${missing.join(', ')}. Convert the checkpoint first.`);
    return;
  }
  const confirmed = await vscode.window.showInformationMessage(
    `Use the model in ${folder}? Rook sets rook.local.modelPath to "${folder}" and rook.engine to "local" in your user settings.`,
    { modal: true },
    'Use It',
  );
  if (confirmed !== 'Use It') return;
  const settings = vscode.workspace.getConfiguration('rook');
  await settings.update('local.modelPath', folder, vscode.ConfigurationTarget.Global);
  await settings.update('engine', 'local', vscode.ConfigurationTarget.Global);
}
