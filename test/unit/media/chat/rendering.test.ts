import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { FrameCoalescer } from '../../../../media/chat/frameCoalescer';
import { isAtBottom, updatePinnedToBottom, type ScrollContainer } from '../../../../media/chat/scrollPin';

describe('FrameCoalescer', () => {
  function frames() {
    const queued: (() => void)[] = [];
    return {
      queued,
      request: (callback: () => void) => queued.push(callback),
      runNext: () => queued.shift()?.(),
    };
  }

  it('renders once per frame however many updates arrive', () => {
    const frame = frames();
    let renders = 0;
    const coalescer = new FrameCoalescer(frame.request, () => renders++);
    coalescer.schedule();
    coalescer.schedule();
    coalescer.schedule();
    assert.equal(frame.queued.length, 1);
    assert.equal(renders, 0, 'nothing renders before the frame');
    frame.runNext();
    assert.equal(renders, 1);
  });

  it('asks for a new frame for updates after a render', () => {
    const frame = frames();
    let renders = 0;
    const coalescer = new FrameCoalescer(frame.request, () => renders++);
    coalescer.schedule();
    frame.runNext();
    coalescer.schedule();
    assert.equal(frame.queued.length, 1);
    frame.runNext();
    assert.equal(renders, 2);
  });
});

describe('scroll pinning', () => {
  const container = (scrollTop: number): ScrollContainer => ({ scrollTop, clientHeight: 100, scrollHeight: 500 });

  it('counts the bottom, give or take rounding, as the bottom', () => {
    assert.equal(isAtBottom(container(400)), true);
    assert.equal(isAtBottom(container(397.5)), true);
    assert.equal(isAtBottom(container(380)), false);
    assert.equal(isAtBottom(container(0)), false);
  });

  it('follows new content when the user was at the bottom', () => {
    const view = container(400);
    updatePinnedToBottom(view, () => Object.assign(view, { scrollHeight: 800 }));
    assert.equal(view.scrollTop, 800);
  });

  it('leaves the position alone when the user had scrolled up', () => {
    const view = container(120);
    updatePinnedToBottom(view, () => Object.assign(view, { scrollHeight: 800 }));
    assert.equal(view.scrollTop, 120);
  });
});
