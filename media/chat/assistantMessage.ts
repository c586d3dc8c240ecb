/**
 * One assistant answer on the page. Text arrives in deltas and is rendered at most once per frame,
 * sanitized before it reaches the DOM: blocks that later text can no longer change are rendered once
 * and kept (see settledMarkdown.ts), only the tail after them is re-rendered. `data-state` changes only
 * with the render that shows the final content, so observers (and browser tests) never see "done" early.
 */
import type { FinishReason } from '../../server/protocol/contract';
import { addCodeActions } from './codeActions';
import { FrameCoalescer } from './frameCoalescer';
import { renderMarkdown } from './markdown';
import { sanitizeHtml } from './sanitize';
import { settledEnd } from './settledMarkdown';

type AnswerState = 'streaming' | 'done' | 'error';

const finishNotes: Partial<Record<FinishReason, string>> = {
  length: 'The answer reached its length limit.',
  cancelled: 'Stopped.',
};

export class AssistantMessage {
  readonly element = document.createElement('div');
  private readonly body = document.createElement('div');
  /** Rendered settled blocks, then the live tail, inside `body`. */
  private readonly settled = document.createElement('div');
  private readonly tail = document.createElement('div');
  private settledLength = 0;
  private readonly footer = document.createElement('div');
  private readonly frames: FrameCoalescer;
  private text = '';
  private state: AnswerState = 'streaming';

  /** `applyRender` runs each render, letting the page keep its scroll position pinned. */
  constructor(applyRender: (render: () => void) => void) {
    this.element.className = 'message assistant';
    this.element.dataset.state = this.state;
    this.body.className = 'body';
    this.settled.className = 'settled';
    this.tail.className = 'tail';
    this.body.append(this.settled, this.tail);
    this.element.append(this.body, this.footer);
    this.frames = new FrameCoalescer(
      (callback) => requestAnimationFrame(callback),
      () => applyRender(() => this.render()),
    );
  }

  append(delta: string): void {
    this.text += delta;
    this.frames.schedule();
  }

  finish(reason: FinishReason): void {
    this.end('done', 'finish-note', finishNotes[reason]);
  }

  fail(message: string): void {
    this.end('error', 'error-line', message);
  }

  private end(state: AnswerState, footerClass: string, footerText = ''): void {
    this.state = state;
    this.footer.className = footerClass;
    this.footer.textContent = footerText;
    this.frames.schedule();
  }

  private render(): void {
    const end = this.state === 'streaming' ? settledEnd(this.text, this.settledLength) : this.text.length;
    if (end > this.settledLength) {
      const blocks = document.createElement('div');
      blocks.innerHTML = sanitizeHtml(renderMarkdown(this.text.slice(this.settledLength, end)));
      // Settled code is final: it gets its buttons. Copying or inserting half a block is never wanted.
      addCodeActions(blocks);
      this.settled.append(...blocks.childNodes);
      this.settledLength = end;
    }
    this.tail.innerHTML = sanitizeHtml(renderMarkdown(this.text.slice(this.settledLength)));
    this.element.dataset.state = this.state;
  }
}
