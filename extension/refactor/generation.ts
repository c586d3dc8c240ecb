/**
 * Runs one sidecar generation under a cancellable progress notification. A failure is shown and
 * logged here, once; callers get `undefined` for "nothing usable came back" (failed or cancelled) and
 * so cannot apply anything partial.
 */
import * as vscode from 'vscode';
import type { GenerationResult } from '../../server/protocol/contract';

export type Generate = (token: vscode.CancellationToken) => Promise<GenerationResult>;

export async function generateWithProgress(
  title: string,
  generate: Generate,
  log: vscode.LogOutputChannel,
  /** Cancels from outside the notification: a Reject while streaming, the document changing. */
  cancellation?: vscode.CancellationToken,
): Promise<GenerationResult | undefined> {
  return vscode.window.withProgress({ location: vscode.ProgressLocation.Notification, title, cancellable: true }, async (_progress, progressToken) => {
    const source = new vscode.CancellationTokenSource();
    const links = [progressToken.onCancellationRequested(() => source.cancel()), cancellation?.onCancellationRequested(() => source.cancel())];
    if (cancellation?.isCancellationRequested) source.cancel();
    // A cancel ends the wait at once: the sidecar's own acknowledgement may come late, or not at all if it died.
    const cancelled = new Promise<undefined>((resolve) => {
      source.token.onCancellationRequested(() => resolve(undefined));
      if (source.token.isCancellationRequested) resolve(undefined);
    });
    try {
      const result = await Promise.race([generate(source.token), cancelled]);
      return !result || source.token.isCancellationRequested || result.finishReason === 'cancelled' ? undefined : result;
    } catch (error) {
      // A cancelled request may also reject; the user asked for it, so it is no error.
      if (!source.token.isCancellationRequested) {
        const message = error instanceof Error ? error.message : String(error);
        log.error(`${title} failed: ${message}`);
        void vscode.window.showErrorMessage(`${title} failed: ${message}`);
      }
      return undefined;
    } finally {
      for (const link of links) link?.dispose();
      source.dispose();
    }
  });
}
