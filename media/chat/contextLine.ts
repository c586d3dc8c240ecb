/** The line above the input that says what context the next question carries, and its token estimate. */
import type { ExtensionMessage } from '../../extension/chat/messages';

type ContextMessage = Extract<ExtensionMessage, { type: 'context' }>;

const kindNames: Record<ContextMessage['pieces'][number]['kind'], string> = {
  selection: 'selection',
  file: 'file',
  mention: '@',
  codebase: 'codebase',
  problems: 'problems',
};

export function renderContextLine(line: HTMLElement, { pieces, tokens, budget }: ContextMessage): void {
  const chips = pieces.map(({ kind, label }) => {
    const chip = document.createElement('span');
    chip.className = `context-piece ${kind}`;
    chip.textContent = kind === 'mention' ? `@${label}` : `${kindNames[kind]}: ${label}`;
    return chip;
  });
  const budgetNote = document.createElement('span');
  budgetNote.className = 'context-budget';
  budgetNote.textContent = `≈ ${tokens.toLocaleString('en')} / ${budget.toLocaleString('en')} tokens`;
  budgetNote.title = 'Estimated size of the context sent with the next question (characters / 4), against its budget';
  line.replaceChildren(...chips, budgetNote);
}
