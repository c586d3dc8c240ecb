/**
 * Coalesces bursts of updates into at most one render per animation frame: deltas can arrive far
 * faster than the page can usefully re-render markdown.
 */
export class FrameCoalescer {
  private pending = false;

  /** `requestFrame` is `requestAnimationFrame` in the page; injected so the logic runs anywhere. */
  constructor(
    private readonly requestFrame: (callback: () => void) => unknown,
    private readonly render: () => void,
  ) {}

  schedule(): void {
    if (this.pending) {
      return;
    }
    this.pending = true;
    this.requestFrame(() => {
      this.pending = false;
      this.render();
    });
  }
}
