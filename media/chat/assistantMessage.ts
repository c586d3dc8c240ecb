/**
 * One assistant answer on the page. Text arrives in deltas and is rendered at most once per frame,
 * sanitized before it reaches the DOM: blocks that later text can no longer change are rendered once
 * and kept (see settledMarkdown.ts), only the tail after them is re-rendered (a long one only as it grows by
 * a quarter). A long code block is settled line by line while it streams: each piece's code is appended to the
 * block's `code` element, so the block stays one `pre` that its buttons copy whole. `data-state` changes only
 * with the render that shows the final content, so observers (and browser tests) never see "done" early.
 */
import type { FinishReason } from '../../server/protocol/contract';
import { addCodeActions } from './codeActions';
import { FrameCoalescer } from './frameCoalescer';
import { renderMarkdown } from './markdown';
import { sanitizeHtml } from './sanitize';
import { continuedFence, SettledScanner, tailWorthRendering, type OpenFence } from './settledMarkdown';

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
  private readonly scanner = new SettledScanner();
  private settledLength = 0;
  /** The length of the tail text the page shows. */
  private shownTailLength = 0;
  /** The long code block the settled text ends inside: later pieces of its code go into its `code` element. */
  private openBlock: (OpenFence & { code: Element }) | undefined;
  /** The tail's part of the open block's code, replaced on each render. */
  private tailCode: Element | undefined;
  private readonly footer = document.createElement('div');
  /** Links to the workspace files the answer was given as context (`@codebase`), above the footer. */
  private readonly sources = document.createElement('div');
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
    this.sources.className = 'sources';
    this.sources.hidden = true;
    this.element.append(this.body, this.sources, this.footer);
    this.frames = new FrameCoalescer(
      (callback) => requestAnimationFrame(callback),
      () => applyRender(() => this.render()),
    );
  }

  append(delta: string): void {
    this.text += delta;
    this.scanner.append(delta);
    this.frames.schedule();
  }

  /** Lists the files (and lines) the answer `id` was given as context, each a link the page asks the extension to open. */
  showSources(id: number, labels: readonly string[]): void {
    const links = labels.map((label, index) => {
      const link = document.createElement('a');
      link.href = '#';
      link.className = 'source-link';
      link.dataset.answer = String(id);
      link.dataset.source = String(index);
      link.textContent = label;
      return link;
    });
    this.sources.replaceChildren('Sources: ', ...links.flatMap((link, index) => (index === 0 ? [link] : [' · ', link])));
    this.sources.hidden = false;
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
    const settled = this.state === 'streaming' ? this.scanner.settled : { end: this.text.length };
    // A finished answer may end inside an open block with nothing left to settle: the block is complete all the same.
    const settles = settled.end > this.settledLength || (this.openBlock !== undefined && settled.fence === undefined);
    if (settles || this.state !== 'streaming' || tailWorthRendering(this.text.length - this.settledLength, this.shownTailLength)) {
      this.tailCode?.remove();
      if (settles) {
        this.appendSettled(this.text.slice(this.settledLength, settled.end), settled.fence);
        this.settledLength = settled.end;
      }
      const tail = this.renderBlocks(this.text.slice(this.settledLength));
      this.tailCode = this.openBlock && this.continueBlock(this.openBlock.code, tail);
      this.tail.replaceChildren(...tail.childNodes);
      this.body.classList.toggle('tail-empty', !this.tail.hasChildNodes());
      this.shownTailLength = this.text.length - this.settledLength;
    }
    this.element.dataset.state = this.state;
  }

  /** `markdown` rendered and sanitized, as the children of a detached element; it continues the open block if any. */
  private renderBlocks(markdown: string): HTMLElement {
    const blocks = document.createElement('div');
    blocks.innerHTML = sanitizeHtml(renderMarkdown(this.openBlock ? continuedFence(this.openBlock) + markdown : markdown));
    return blocks;
  }

  /**
   * Moves the code of the first of `blocks`, which continues the open block, to the end of its `code`, as a
   * `.code-chunk` (a block of its own, so that laying it out leaves the block's earlier lines alone); returns it.
   */
  private continueBlock(code: Element, blocks: HTMLElement): Element {
    const pre = blocks.firstElementChild!;
    const chunk = document.createElement('span');
    chunk.className = 'code-chunk';
    chunk.append(...pre.querySelector('code')!.childNodes);
    code.append(chunk);
    // The line break markdown-it puts after the block would pile up, one per piece, where the block ends.
    if (pre.nextSibling?.nodeType === Node.TEXT_NODE && pre.nextSibling.textContent === '\n') pre.nextSibling.remove();
    pre.remove();
    return chunk;
  }

  private appendSettled(markdown: string, fence: OpenFence | undefined): void {
    const blocks = this.renderBlocks(markdown);
    const continued = this.openBlock;
    const pres = [...blocks.querySelectorAll('pre')];
    if (continued) {
      pres.shift();
      this.continueBlock(continued.code, blocks);
    }
    // Settled code is final: it gets its buttons. Copying or inserting half a block is never wanted.
    if (continued && fence?.start !== continued.start) {
      addCodeActions(continued.code.closest('pre')!);
      this.openBlock = undefined;
    }
    if (fence && fence.start !== continued?.start) {
      // The settled text ends inside a new long block, the last one here: its buttons come when it is complete.
      const pre = pres.pop()!;
      this.openBlock = { ...fence, code: pre.querySelector('code')! };
    }
    for (const pre of pres) addCodeActions(pre);
    this.settled.append(...blocks.childNodes);
  }
}
