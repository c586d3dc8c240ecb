/**
 * One status-bar item that says what the sidecar is doing: starting, ready (with the engine and
 * the measured completion latency), indexing the workspace (the files so far; the sidecar reports
 * them at most once a second), or what is wrong. Clicking it opens Rook's log.
 */
import * as vscode from 'vscode';
import type { SidecarStatus } from '../../server/protocol/contract';
import { presentStatus } from './presentStatus';

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
