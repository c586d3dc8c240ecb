/**
 * Completion of `@file` mentions in the input: while the word at the caret starts with `@`, the page asks
 * the extension for matching workspace files and lists them above the input; arrows choose, Enter or Tab
 * takes one, Escape closes the list.
 */
import type { WebviewMessage } from '../../extension/chat/messages';

/** The `@` mention being typed at `caret`: where its `@` is and what follows it so far. */
export function mentionAtCaret(text: string, caret: number): { start: number; query: string } | undefined {
  const match = /(?:^|\s)@([^\s@]*)$/.exec(text.slice(0, caret));
  return match ? { start: caret - match[1].length - 1, query: match[1] } : undefined;
}

export class MentionCompletion {
  private paths: string[] = [];
  private selected = 0;
  private mention?: { start: number; query: string };

  constructor(
    private readonly input: HTMLTextAreaElement,
    private readonly list: HTMLElement,
    private readonly post: (message: WebviewMessage) => void,
  ) {
    list.addEventListener('mousedown', (event) => {
      // mousedown, not click: the input must keep its focus and caret.
      const item = event.target instanceof Element ? event.target.closest<HTMLElement>('[data-index]') : null;
      if (item) {
        event.preventDefault();
        this.accept(Number(item.dataset.index));
      }
    });
  }

  /** After each edit of the input. */
  update(): void {
    this.mention = mentionAtCaret(this.input.value, this.input.selectionStart);
    if (this.mention) {
      this.post({ type: 'suggestFiles', query: this.mention.query });
    } else {
      this.close();
    }
  }

  /** The extension's answer; ignored if the mention has changed since it was asked for. */
  show(query: string, paths: string[]): void {
    if (this.mention?.query !== query) return;
    this.paths = paths;
    this.selected = 0;
    this.render();
  }

  /** Handles the keys the open list uses; true when `event` was one of them. */
  handleKey(event: KeyboardEvent): boolean {
    if (this.list.hidden) return false;
    switch (event.key) {
      case 'ArrowDown':
      case 'ArrowUp':
        this.selected = (this.selected + (event.key === 'ArrowDown' ? 1 : -1) + this.paths.length) % this.paths.length;
        this.render();
        break;
      case 'Enter':
      case 'Tab':
        this.accept(this.selected);
        break;
      case 'Escape':
        this.close();
        break;
      default:
        return false;
    }
    event.preventDefault();
    event.stopPropagation();
    return true;
  }

  private accept(index: number): void {
    const path = this.paths[index];
    const mention = this.mention;
    if (path === undefined || !mention) return;
    const end = mention.start + 1 + mention.query.length;
    const value = this.input.value;
    this.input.value = `${value.slice(0, mention.start)}@${path} ${value.slice(end)}`;
    const caret = mention.start + path.length + 2;
    this.input.setSelectionRange(caret, caret);
    this.close();
    this.input.dispatchEvent(new Event('input'));
  }

  private close(): void {
    this.mention = undefined;
    this.paths = [];
    this.list.hidden = true;
  }

  private render(): void {
    this.list.hidden = this.paths.length === 0;
    this.list.replaceChildren(
      ...this.paths.map((path, index) => {
        const item = document.createElement('li');
        item.role = 'option';
        item.dataset.index = String(index);
        item.textContent = path;
        item.setAttribute('aria-selected', String(index === this.selected));
        return item;
      }),
    );
  }
}
