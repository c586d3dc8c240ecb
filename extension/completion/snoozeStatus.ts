/** The status-bar item shown while automatic completions are snoozed: when they resume, and a click resumes them now. */
import * as vscode from 'vscode';
import { snoozeLabel } from './snooze';

export class SnoozeStatus implements vscode.Disposable {
  private readonly item = vscode.window.createStatusBarItem('rook.snooze', vscode.StatusBarAlignment.Right, 99);
  private timer: NodeJS.Timeout | undefined;

  constructor() {
    this.item.name = 'Rook Snooze';
    this.item.tooltip = 'Automatic inline completions are paused. Click to resume them.';
    this.item.command = { command: 'rook.snoozeCompletions', title: 'Resume Inline Completions', arguments: [0] };
  }

  /** Shows the end time until `until` (ms since the epoch), then hides itself. */
  show(until: number): void {
    this.item.text = snoozeLabel(new Date(until));
    this.item.show();
    clearTimeout(this.timer);
    this.timer = setTimeout(() => this.hide(), Math.max(0, until - Date.now()));
  }

  hide(): void {
    clearTimeout(this.timer);
    this.item.hide();
  }

  dispose(): void {
    this.hide();
    this.item.dispose();
  }
}
