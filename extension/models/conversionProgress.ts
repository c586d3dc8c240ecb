/**
 * The notification shown while the sidecar converts a GGUF model (first use of a file in `rook.local.modelPath`):
 * a percentage and a Cancel button, driven by the sidecar's `rook/modelConversion` notifications. Server-initiated
 * work-done progress would appear only in the status bar through vscode-languageclient, with no Cancel button.
 */
import * as path from 'node:path';
import * as vscode from 'vscode';
import type { ModelConversionParams, SidecarStatus } from '../../server/protocol/contract';

export interface ConversionSource {
  readonly onModelConversion: vscode.Event<ModelConversionParams>;
  readonly onDidChangeStatus: vscode.Event<SidecarStatus>;
  cancelModelConversion(id: string): Promise<void>;
}

interface Shown {
  progress: vscode.Progress<{ message?: string; increment?: number }>;
  reported: number;
  close: () => void;
}

export function registerConversionProgress(sidecar: ConversionSource, log: vscode.LogOutputChannel): vscode.Disposable {
  const shown = new Map<string, Shown>();
  const closeAll = () => {
    for (const entry of shown.values()) entry.close();
    shown.clear();
  };
  const onConversion = sidecar.onModelConversion((params) => {
    if (params.kind === 'begin') {
      if (shown.has(params.id)) return;
      log.info(`Converting ${params.file} into Rook's model cache (once).`);
      void vscode.window.withProgress(
        { location: vscode.ProgressLocation.Notification, title: `Rook: converting ${path.basename(params.file)} (once)`, cancellable: true },
        (progress, token) =>
          new Promise<void>((resolve) => {
            shown.set(params.id, { progress, reported: 0, close: resolve });
            token.onCancellationRequested(() => {
              log.info(`Conversion of ${params.file} cancelled.`);
              void sidecar.cancelModelConversion(params.id);
              shown.delete(params.id);
              resolve();
            });
          }),
      );
      return;
    }
    const entry = shown.get(params.id);
    if (!entry) return;
    if (params.kind === 'report' && params.percentage !== undefined) {
      const increment = Math.max(0, params.percentage - entry.reported);
      entry.reported += increment;
      entry.progress.report({ increment, message: `${params.percentage}%: ${params.message ?? ''}` });
      return;
    }
    if (params.kind === 'end') {
      entry.close();
      shown.delete(params.id);
      if (params.outcome === 'failed') log.warn(`Converting ${params.file} failed; the status bar says why.`);
    }
  });
  // A sidecar that restarted (or settled on an engine) ends every conversion it had: nothing will report them.
  const onStatus = sidecar.onDidChangeStatus((status) => {
    if (status.state !== 'starting') closeAll();
  });
  return vscode.Disposable.from(onConversion, onStatus, { dispose: closeAll });
}
