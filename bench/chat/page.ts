/**
 * Runs inside the render bench's Chromium page (bundled by renderBench.ts): streams one answer into the chat
 * webview's own AssistantMessage and times its renders. Frames are driven here rather than by the browser,
 * so that each run does the same work: one render, laid out, after every `deltasPerFrame` deltas.
 */
import { AssistantMessage } from '../../media/chat/assistantMessage';
import { updatePinnedToBottom } from '../../media/chat/scrollPin';

export interface StreamResult {
  /** All renders together, each with its layout. */
  ms: number;
  /** The longest render: how long the view was stuck at worst. */
  longestRenderMs: number;
  renders: number;
  /** Whether the answer's last line is in the rendered text. */
  endShown: boolean;
}

function streamAnswer(markdown: string, deltaChars: number, deltasPerFrame: number, endMarker: string): StreamResult {
  const frames: FrameRequestCallback[] = [];
  window.requestAnimationFrame = (callback) => frames.push(callback);
  const list = document.getElementById('messages')!;
  list.replaceChildren();
  // As the page does: each render keeps the view pinned to the bottom, which lays it out.
  const message = new AssistantMessage((render) => updatePinnedToBottom(list, render));
  list.append(message.element);
  let ms = 0;
  let longestRenderMs = 0;
  let renders = 0;
  const runFrames = () => {
    for (let frame = frames.shift(); frame; frame = frames.shift()) {
      const started = performance.now();
      frame(started);
      void list.scrollHeight;
      const elapsed = performance.now() - started;
      ms += elapsed;
      longestRenderMs = Math.max(longestRenderMs, elapsed);
      renders++;
    }
  };
  for (let offset = 0, delta = 0; offset < markdown.length; offset += deltaChars, delta++) {
    message.append(markdown.slice(offset, offset + deltaChars));
    // The last delta is rendered with the end, in one frame: a whole answer in one delta renders once, finished.
    if ((delta + 1) % deltasPerFrame === 0 && offset + deltaChars < markdown.length) runFrames();
  }
  message.finish('stop');
  runFrames();
  return { ms, longestRenderMs, renders, endShown: (message.element.textContent ?? '').includes(endMarker) };
}

(window as unknown as { streamAnswer: typeof streamAnswer }).streamAnswer = streamAnswer;
