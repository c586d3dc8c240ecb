/**
 * "Rook: Snooze Completions" (`rook.snoozeCompletions`): given minutes, or picked from a menu, it pauses
 * automatic suggestions and shows when they resume in the status bar; 0 minutes resumes them now.
 */
import * as vscode from 'vscode';
import { snoozeMenu, type Snooze } from './snooze';
import { SnoozeStatus } from './snoozeStatus';

/** Registers the command for `snooze`; `snoozed` runs when a snooze starts (to drop the request under way). */
export function registerSnoozeCommand(snooze: Snooze, snoozed: () => void): vscode.Disposable {
  const status = new SnoozeStatus();
  return vscode.Disposable.from(
    status,
    vscode.commands.registerCommand('rook.snoozeCompletions', async (minutes?: number) => {
      const chosen = minutes ?? (await pickSnoozeMinutes(snooze.minutesLeft(Date.now())));
      if (chosen === undefined) return;
      if (chosen <= 0) {
        snooze.resume();
        status.hide();
        void vscode.window.setStatusBarMessage('Rook: inline completions resumed', 3000);
        return;
      }
      snooze.snooze(chosen, Date.now());
      status.show(snooze.endsAt(Date.now()) ?? Date.now());
      snoozed();
    }),
  );
}

async function pickSnoozeMinutes(minutesLeft: number): Promise<number | undefined> {
  return (await vscode.window.showQuickPick(snoozeMenu(minutesLeft), { placeHolder: 'Pause automatic inline completions' }))?.minutes;
}
