/**
 * Copy, Insert, Apply and New File buttons on rendered code blocks. The buttons carry no listeners of their
 * own: the page handles clicks on the whole conversation and asks `codeActionAt` which button, if any, was
 * hit. That survives re-rendering and keeps handlers out of the markup.
 */
import type { WebviewMessage } from '../../extension/chat/messages';
import { iconButton } from './iconButton';

export type CodeAction = 'copy' | 'insert' | 'apply' | 'newFile';

const buttons: { action: CodeAction; label: string; icon: string }[] = [
  { action: 'copy', label: 'Copy', icon: 'codicon-copy' },
  { action: 'insert', label: 'Insert at Cursor', icon: 'codicon-insert' },
  { action: 'apply', label: 'Apply to File (review the diff first)', icon: 'codicon-diff' },
  { action: 'newFile', label: 'New File', icon: 'codicon-new-file' },
];

/** Wraps a rendered code block's `pre` in a `.code-block` with a toolbar of action buttons. */
export function addCodeActions(pre: Element): void {
  const block = document.createElement('div');
  block.className = 'code-block';
  const toolbar = document.createElement('div');
  toolbar.className = 'code-actions';
  for (const { action, label, icon } of buttons) toolbar.append(iconButton(action, label, icon, 'code-action'));
  pre.replaceWith(block);
  block.append(toolbar, pre);
}

/** The fence's language tag, from the `language-*` class markdown-it gives the block's `code`. */
function fenceLanguage(pre: Element): string {
  const languageClass = [...(pre.querySelector('code')?.classList ?? [])].find((name) => name.startsWith('language-'));
  return languageClass?.slice('language-'.length) ?? '';
}

/** The message for the code-block button at `target`, if it is (inside) one. */
export function codeActionAt(target: Element): WebviewMessage | undefined {
  const button = target.closest<HTMLButtonElement>('button.code-action');
  const pre = button?.closest('.code-block')?.querySelector('pre');
  const action = buttons.find((candidate) => candidate.action === button?.dataset.action)?.action;
  if (action === undefined || pre?.textContent == null) {
    return undefined;
  }
  // Fences always end in a newline; inserted at the cursor it would split the line.
  const code = pre.textContent.replace(/\n$/, '');
  return action === 'newFile' ? { type: action, code, language: fenceLanguage(pre) } : { type: action, code };
}
