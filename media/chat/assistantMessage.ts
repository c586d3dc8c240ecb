/**
 * One assistant answer on the page. Text arrives in deltas; the whole markdown is re-rendered at
 * most once per frame, sanitized before it reaches the DOM. `data-state` changes only with the
 * render that shows the final content, so observers (and browser tests) never see "done" early.
 */
import type { FinishReason } from '../../server/protocol/contract';
import { addCodeActions } from './codeActions';
import { FrameCoalescer } from './frameCoalescer';
import { renderMarkdown } from './markdown';
import { sanitizeHtml } from './sanitize';

type AnswerState = 'streaming' | 'done' | 'error';

const finishNotes: Partial<Record<FinishReason, string>> = {
  length: 'The answer reached its length limit.',
  cancelled: 'Stopped.',
};

export class AssistantMessage {
  readonly element = document.createElement('div');
  private readonly body = document.createElement('div');
  private readonly footer = document.createElement('div');
  private readonly frames: FrameCoalescer;
  private text = '';
  private state: AnswerState = 'streaming';

  /** `applyRender` runs each render, letting the page keep its scroll position pinned. */
  constructor(applyRender: (render: () => void) => void) {
    this.element.className = 'message assistant';
    this.element.dataset.state = this.state;
    this.body.className = 'body';
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
    this.body.innerHTML = sanitizeHtml(renderMarkdown(this.text));
    // Buttons only on final code: copying or inserting half a block is never what the user wants.
    if (this.state !== 'streaming') {
      addCodeActions(this.body);
    }
    this.element.dataset.state = this.state;
  }
}
