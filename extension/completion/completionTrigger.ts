/**
 * Decides, per keystroke, where a suggestion comes from: the cache (typing through a shown
 * suggestion), the request already in flight (when the user typed forward from where it was
 * asked), or a new engine request after an adaptive debounce, cancelling the stale one. An editor
 * that waits before it asks (VS Code: 50 ms) can start the request at the keystroke (`prefetch`).
 * No VS Code here: the extension's middleware and the completion benchmark drive the same logic.
 */
import { anchorAt, typedSince, type Anchor, type CursorView } from './anchor';
import { AdaptiveDebounce } from './debounce';
import { SuggestionCache, type Suggestion } from './suggestionCache';

export type SuggestionSource = 'cache' | 'in-flight' | 'engine';

export interface TriggerResult {
  suggestion?: Suggestion;
  source?: SuggestionSource;
}

/** Asks the engine for a suggestion at the cursor; aborting `signal` cancels the request. */
export type FetchSuggestion = (signal: AbortSignal) => Promise<Suggestion | undefined>;

interface InFlight {
  anchor: Anchor;
  result: Promise<Suggestion | undefined>;
  controller: AbortController;
}

export class CompletionTrigger {
  private inFlight: InFlight | undefined;
  /** Where the last finished request got no suggestion: asking there again would get none either. */
  private answeredEmpty: Anchor | undefined;

  constructor(
    readonly debounce = new AdaptiveDebounce(),
    readonly cache = new SuggestionCache(),
    private readonly clock: () => number = () => performance.now(),
  ) {}

  /**
   * A suggestion for `view`. `automatic` requests (typing) are debounced, manual ones are not.
   * `signal` is the editor's cancellation of this keystroke's request: it ends the wait here but
   * leaves the engine request running, since the next keystroke may be the one that uses it.
   */
  async provide(view: CursorView, automatic: boolean, signal: AbortSignal, fetch: FetchSuggestion): Promise<TriggerResult> {
    if (automatic) this.debounce.noteKeystroke(this.clock());
    const cached = this.cache.lookup(view);
    if (cached) return { suggestion: cached, source: 'cache' };
    const pending = this.inFlight;
    if (pending && typedSince(pending.anchor, view) !== undefined) {
      await untilAborted(pending.result, signal);
      if (signal.aborted) return {};
      const reused = this.cache.lookup(view);
      if (reused) return { suggestion: reused, source: 'in-flight' };
    }
    if (automatic && this.answeredEmpty && typedSince(this.answeredEmpty, view) === '') return { source: 'cache' };
    if (automatic && !(await delay(this.debounce.delayMs(), signal))) return {};
    return { suggestion: await untilAborted(this.request(view, fetch), signal), source: 'engine' };
  }

  /**
   * Starts the request for a keystroke as it happens, before the editor asks: its own wait before calling
   * the provider is then spent computing, and `provide` finds the answer cached or in flight. Only when the
   * debounce would ask at once anyway (answers come back well within the typing gap), so fast typing and
   * slow engines make no more requests than before; nothing when the cache already serves `view` or the
   * request in flight was asked there.
   */
  prefetch(view: CursorView, fetch: FetchSuggestion): void {
    if (!this.debounce.asksAtOnce() || this.cache.lookup(view)) return;
    if (this.inFlight && typedSince(this.inFlight.anchor, view) === '') return;
    void this.request(view, fetch);
  }

  /** Cancels the engine request in flight, if any (the document closed, completions got disabled). */
  cancel(): void {
    this.inFlight?.controller.abort();
    this.inFlight = undefined;
  }

  private request(view: CursorView, fetch: FetchSuggestion): Promise<Suggestion | undefined> {
    this.cancel();
    const controller = new AbortController();
    const anchor = anchorAt(view);
    const started = this.clock();
    const result = fetch(controller.signal)
      .then(
        (suggestion) => {
          if (controller.signal.aborted) return undefined;
          this.debounce.noteLatency(this.clock() - started);
          if (suggestion?.insertText) this.cache.add(anchor, suggestion);
          this.answeredEmpty = suggestion?.insertText ? undefined : anchor;
          return suggestion;
        },
        () => undefined,
      )
      .finally(() => {
        if (this.inFlight?.controller === controller) this.inFlight = undefined;
      });
    this.inFlight = { anchor, result, controller };
    return result;
  }
}

/** `promise`'s value, or undefined as soon as `signal` aborts. */
function untilAborted<T>(promise: Promise<T | undefined>, signal: AbortSignal): Promise<T | undefined> {
  if (signal.aborted) return Promise.resolve(undefined);
  return new Promise((resolve) => {
    const onAbort = () => resolve(undefined);
    signal.addEventListener('abort', onAbort, { once: true });
    promise.then((value) => {
      signal.removeEventListener('abort', onAbort);
      resolve(value);
    });
  });
}

/** Waits `ms`; false when `signal` aborted first. */
function delay(ms: number, signal: AbortSignal): Promise<boolean> {
  if (signal.aborted) return Promise.resolve(false);
  return new Promise((resolve) => {
    const timer = setTimeout(() => {
      signal.removeEventListener('abort', onAbort);
      resolve(true);
    }, ms);
    const onAbort = () => {
      clearTimeout(timer);
      resolve(false);
    };
    signal.addEventListener('abort', onAbort, { once: true });
  });
}
