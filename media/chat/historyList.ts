/**
 * The list of saved conversations, shown when the header's History button is on: each entry opens its
 * conversation, and has Rename, Export and Delete buttons. As with code blocks, clicks are handled once for
 * the whole list (`historyActionAt`), so no element carries a handler.
 */
import { iconButton } from './iconButton';
import type { ConversationSummary } from '../../extension/chat/conversation';
import type { WebviewMessage } from '../../extension/chat/messages';

type EntryAction = 'openConversation' | 'renameConversation' | 'exportConversation' | 'deleteConversation';

const entryButtons: { action: EntryAction; label: string; icon: string }[] = [
  { action: 'renameConversation', label: 'Rename', icon: 'codicon-edit' },
  { action: 'exportConversation', label: 'Export as Markdown', icon: 'codicon-export' },
  { action: 'deleteConversation', label: 'Delete', icon: 'codicon-trash' },
];

/** Replaces the entries of `list` (a `ul`) with `conversations`, marking the active one. */
export function renderHistory(list: HTMLElement, conversations: readonly ConversationSummary[], activeId: string): void {
  const entries = conversations.map(({ id, title, updatedAt }) => {
    const entry = document.createElement('li');
    entry.className = 'history-entry';
    entry.dataset.id = id;
    if (id === activeId) entry.setAttribute('aria-current', 'true');
    const open = document.createElement('button');
    open.type = 'button';
    open.className = 'history-title';
    open.dataset.action = 'openConversation';
    open.textContent = title;
    open.title = `${title} — ${new Date(updatedAt).toLocaleString()}`;
    entry.append(open, ...entryButtons.map(({ action, label, icon }) => iconButton(action, label, icon, 'icon-button')));
    return entry;
  });
  if (entries.length === 0) {
    const empty = document.createElement('li');
    empty.className = 'history-empty';
    empty.textContent = 'No saved conversations yet.';
    entries.push(empty);
  }
  list.replaceChildren(...entries);
}

/** The message for the history button at `target`, if it is (inside) one. */
export function historyActionAt(target: Element): WebviewMessage | undefined {
  const button = target.closest<HTMLButtonElement>('.history-entry button');
  const id = button?.closest<HTMLElement>('.history-entry')?.dataset.id;
  const actions: EntryAction[] = ['openConversation', ...entryButtons.map((entry) => entry.action)];
  const action = actions.find((candidate) => candidate === button?.dataset.action);
  return action && id ? { type: action, id } : undefined;
}
