/**
 * One status-bar item that says what the sidecar is doing: starting, ready (with the engine and
 * the measured completion latency), or what is wrong. Clicking it opens Rook's log.
 */
import * as vscode from 'vscode';
import type { SidecarStatus } from '../../server/protocol/contract';

export interface StatusPresentation {
  text: string;
  tooltip: string;
  warning: boolean;
}

/** Pure mapping from sidecar status to what the status bar shows. */
export function presentStatus(status: SidecarStatus): StatusPresentation {
  const engine = status.engine ? `${status.engine.model || 'model'} @ ${status.engine.location}` : 'no engine';
  const latency = status.completionLatency?.count
    ? ` · p50 ${status.completionLatency.p50Ms} ms / p90 ${status.completionLatency.p90Ms} ms`
    : '';
  switch (status.state) {
    case 'starting':
      return { text: '$(loading~spin) Rook', tooltip: status.message ?? `Rook is starting (${engine})`, warning: false };
    case 'ready':
    case 'busy':
      return { text: `$(sparkle) Rook${latency}`, tooltip: `Rook is ready: ${engine}${latency}`, warning: false };
    case 'no-engine':
      return { text: '$(circle-slash) Rook', tooltip: status.message ?? 'No engine configured.', warning: true };
    case 'error':
      return { text: '$(warning) Rook', tooltip: status.message ?? 'Rook has a problem; see the log.', warning: true };
  }
}

export function createStatusBar(onStatus: vscode.Event<SidecarStatus>, initial: SidecarStatus): vscode.Disposable {
  const item = vscode.window.createStatusBarItem('rook.status', vscode.StatusBarAlignment.Right, 100);
  item.name = 'Rook';
  item.command = 'rook.showLog';
  const render = (status: SidecarStatus) => {
    const shown = presentStatus(status);
    item.text = shown.text;
    item.tooltip = shown.tooltip;
    item.backgroundColor = shown.warning ? new vscode.ThemeColor('statusBarItem.warningBackground') : undefined;
  };
  render(initial);
  item.show();
  const subscription = onStatus(render);
  return vscode.Disposable.from(item, subscription);
}
