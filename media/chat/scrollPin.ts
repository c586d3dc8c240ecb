/** Keeps the conversation scrolled to the bottom as content grows, but only if the user was already there. */
export interface ScrollContainer {
  scrollTop: number;
  readonly clientHeight: number;
  readonly scrollHeight: number;
}

/** Fractional pixels from zooming mean "at the bottom" is rarely exact. */
const slackPixels = 4;

export function isAtBottom({ scrollTop, clientHeight, scrollHeight }: ScrollContainer): boolean {
  return scrollHeight - clientHeight - scrollTop <= slackPixels;
}

/** Runs `update` (which changes the container's content), then follows the new bottom if the view was on the old one. */
export function updatePinnedToBottom(container: ScrollContainer, update: () => void): void {
  const pinned = isAtBottom(container);
  update();
  if (pinned) {
    container.scrollTop = container.scrollHeight;
  }
}
