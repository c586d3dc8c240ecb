/** The extension's triggering decisions, driven without VS Code. */
import { describe, test } from 'node:test';
import * as assert from 'node:assert/strict';
import { anchorAt, typedSince, type CursorView } from '../../../../extension/completion/anchor';
import { CompletionTrigger, type FetchSuggestion } from '../../../../extension/completion/completionTrigger';
import { AdaptiveDebounce, vscodeLimits } from '../../../../extension/completion/debounce';
import { completionsEnabledFor } from '../../../../extension/completion/languageSwitch';
import { Snooze, snoozeMenu } from '../../../../extension/completion/snooze';
import { SuggestionCache } from '../../../../extension/completion/suggestionCache';

/** A cursor at the end of `before`, with `lineSuffix` after it. */
function view(before: string, lineSuffix = '', uri = 'file:///a.ts'): CursorView {
  return { uri, offset: before.length, textBefore: (length) => before.slice(Math.max(0, before.length - length)), lineSuffix };
}

const noDebounce = () => new AdaptiveDebounce({ minMs: 0, maxMs: 0 });

describe('anchor', () => {
  test('typing forward from the anchor yields the typed text', () => {
    const anchor = anchorAt(view('const total = '));
    assert.equal(typedSince(anchor, view('const total = sum')), 'sum');
    assert.equal(typedSince(anchor, view('const total = ')), '');
  });
  test('an edit before the anchor, another line suffix or another file breaks it', () => {
    const anchor = anchorAt(view('let a = 1;\nconst total = ', ')'));
    assert.equal(typedSince(anchor, view('let b = 1;\nconst total = x', ')')), undefined);
    assert.equal(typedSince(anchor, view('let a = 1;\nconst total = x', '')), undefined);
    assert.equal(typedSince(anchor, view('let a = 1;\nconst total = x', ')', 'file:///b.ts')), undefined);
    assert.equal(typedSince(anchor, view('let a = 1;\nconst total')), undefined);
  });
});

describe('SuggestionCache', () => {
  test('serves the rest of a suggestion while the user types through it', () => {
    const cache = new SuggestionCache();
    cache.add(anchorAt(view('print(', ')')), { insertText: '"hello")', replaceLength: 1 });
    assert.deepEqual(cache.lookup(view('print(', ')')), { insertText: '"hello")', replaceLength: 1 });
    assert.deepEqual(cache.lookup(view('print("he', ')')), { insertText: 'llo")', replaceLength: 1 });
    assert.equal(cache.lookup(view('print("hx', ')')), undefined, 'typed text the suggestion does not predict');
    assert.equal(cache.lookup(view('print("hello")', ')')), undefined, 'fully typed');
  });
  test('forgets a document', () => {
    const cache = new SuggestionCache();
    cache.add(anchorAt(view('x')), { insertText: 'yz', replaceLength: 0 });
    cache.forget('file:///a.ts');
    assert.equal(cache.lookup(view('x')), undefined);
  });
});

describe('AdaptiveDebounce', () => {
  test('fast answers for a slow typist go out at once', () => {
    const debounce = new AdaptiveDebounce();
    [0, 200, 400, 600].forEach((t) => debounce.noteKeystroke(t));
    debounce.noteLatency(40);
    assert.equal(debounce.delayMs(), 50);
  });
  test('slow answers wait for a pause a little longer than the typing gap, within limits', () => {
    const debounce = new AdaptiveDebounce();
    [0, 120, 240, 360].forEach((t) => debounce.noteKeystroke(t));
    debounce.noteLatency(400);
    assert.equal(debounce.delayMs(), 144);
    const fast = new AdaptiveDebounce();
    [0, 20, 40].forEach((t) => fast.noteKeystroke(t));
    fast.noteLatency(400);
    assert.equal(fast.delayMs(), 50);
    const slowTypist = new AdaptiveDebounce();
    [0, 900, 1800].forEach((t) => slowTypist.noteKeystroke(t));
    slowTypist.noteLatency(2000);
    assert.equal(slowTypist.delayMs(), 300);
  });
  test('inside VS Code, its own 50 ms wait is taken off, not added', () => {
    const fastAnswers = new AdaptiveDebounce(vscodeLimits);
    [0, 200, 400, 600].forEach((t) => fastAnswers.noteKeystroke(t));
    fastAnswers.noteLatency(40);
    assert.equal(fastAnswers.delayMs(), 0);
    const slowAnswers = new AdaptiveDebounce(vscodeLimits);
    [0, 120, 240, 360].forEach((t) => slowAnswers.noteKeystroke(t));
    slowAnswers.noteLatency(400);
    assert.equal(slowAnswers.delayMs(), 144 - 50);
  });
  test('pauses do not count as typing speed', () => {
    const debounce = new AdaptiveDebounce();
    [0, 100, 5000, 5100].forEach((t) => debounce.noteKeystroke(t));
    debounce.noteLatency(500);
    assert.equal(debounce.delayMs(), 120);
  });
});

describe('CompletionTrigger', () => {
  /** A fake engine that answers `answers[prefix]` after `ms`, counting calls and cancellations. */
  function engine(answer: (before: string) => string, ms = 5) {
    const calls: string[] = [];
    let cancelled = 0;
    const fetchAt =
      (before: string): FetchSuggestion =>
      (signal) => {
        calls.push(before);
        return new Promise((resolve) => {
          const timer = setTimeout(() => resolve({ insertText: answer(before), replaceLength: 0 }), ms);
          signal.addEventListener('abort', () => {
            cancelled++;
            clearTimeout(timer);
            resolve(undefined);
          });
        });
      };
    return { calls, fetchAt, cancelled: () => cancelled };
  }
  const live = () => new AbortController().signal;

  test('typing through a suggestion needs no second engine call', async () => {
    const fake = engine(() => 'rrayLength');
    const trigger = new CompletionTrigger(noDebounce());
    const first = await trigger.provide(view('const n = a'), true, live(), fake.fetchAt('const n = a'));
    assert.deepEqual(first, { suggestion: { insertText: 'rrayLength', replaceLength: 0 }, source: 'engine' });
    const next = await trigger.provide(view('const n = arr'), true, live(), fake.fetchAt('const n = arr'));
    assert.deepEqual(next, { suggestion: { insertText: 'ayLength', replaceLength: 0 }, source: 'cache' });
    assert.equal(fake.calls.length, 1);
  });

  test('a keystroke that types what the in-flight request predicts waits for it instead of asking again', async () => {
    const fake = engine(() => 'rrayLength', 30);
    const trigger = new CompletionTrigger(noDebounce());
    const first = trigger.provide(view('const n = a'), true, live(), fake.fetchAt('const n = a'));
    await new Promise((resolve) => setTimeout(resolve, 5));
    const second = await trigger.provide(view('const n = ar'), true, live(), fake.fetchAt('const n = ar'));
    assert.deepEqual(second, { suggestion: { insertText: 'rayLength', replaceLength: 0 }, source: 'in-flight' });
    assert.equal((await first).source, 'engine');
    assert.deepEqual(fake.calls, ['const n = a']);
  });

  test('moving elsewhere cancels the stale request and asks anew', async () => {
    const fake = engine((before) => (before.endsWith('a') ? 'rray' : 'ther'), 30);
    const trigger = new CompletionTrigger(noDebounce());
    const stale = trigger.provide(view('const n = a'), true, live(), fake.fetchAt('const n = a'));
    await new Promise((resolve) => setTimeout(resolve, 5));
    const fresh = await trigger.provide(view('let o'), true, live(), fake.fetchAt('let o'));
    assert.equal(fresh.suggestion?.insertText, 'ther');
    assert.equal((await stale).suggestion, undefined);
    assert.equal(fake.cancelled(), 1);
  });

  test("the editor's cancellation ends the wait but not the engine request, which a later keystroke can use", async () => {
    const fake = engine(() => 'rrayLength', 30);
    const trigger = new CompletionTrigger(noDebounce());
    const editor = new AbortController();
    const first = trigger.provide(view('const n = a'), true, editor.signal, fake.fetchAt('const n = a'));
    await new Promise((resolve) => setTimeout(resolve, 5));
    editor.abort();
    assert.deepEqual(await first, { suggestion: undefined, source: 'engine' });
    await new Promise((resolve) => setTimeout(resolve, 40));
    assert.equal((await trigger.provide(view('const n = arr'), true, live(), fake.fetchAt('x'))).source, 'cache');
    assert.equal(fake.calls.length, 1);
    assert.equal(fake.cancelled(), 0);
  });

  test('a request prefetched at the keystroke serves the editor\'s later ask without a second engine call', async () => {
    const fake = engine(() => 'rrayLength', 30);
    const trigger = new CompletionTrigger(new AdaptiveDebounce(vscodeLimits));
    trigger.prefetch(view('const n = a'), fake.fetchAt('const n = a'));
    trigger.prefetch(view('const n = a'), fake.fetchAt('const n = a'));
    assert.deepEqual(fake.calls, ['const n = a'], 'a second prefetch at the same place asks nothing');
    await new Promise((resolve) => setTimeout(resolve, 10));
    const asked = await trigger.provide(view('const n = a'), true, live(), fake.fetchAt('again'));
    assert.deepEqual(asked, { suggestion: { insertText: 'rrayLength', replaceLength: 0 }, source: 'in-flight' });
    const later = await trigger.provide(view('const n = a'), true, live(), fake.fetchAt('again'));
    assert.equal(later.source, 'cache');
    assert.deepEqual(fake.calls, ['const n = a']);
  });

  test('no prefetch while the debounce would wait (typing faster than answers come back), nor where the cache serves', async () => {
    const slow = engine(() => 'x');
    const debounce = new AdaptiveDebounce(vscodeLimits);
    [0, 40, 80, 120].forEach((t) => debounce.noteKeystroke(t));
    debounce.noteLatency(200);
    new CompletionTrigger(debounce).prefetch(view('let a'), slow.fetchAt('let a'));
    assert.deepEqual(slow.calls, []);

    const fake = engine(() => 'rrayLength');
    const trigger = new CompletionTrigger(noDebounce());
    await trigger.provide(view('const n = a'), true, live(), fake.fetchAt('const n = a'));
    trigger.prefetch(view('const n = arr'), fake.fetchAt('const n = arr'));
    assert.deepEqual(fake.calls, ['const n = a']);
  });

  test('a place where the engine had nothing to suggest is not asked again until the user types on', async () => {
    const fake = engine(() => '');
    const trigger = new CompletionTrigger(noDebounce());
    assert.deepEqual(await trigger.provide(view('let a = '), true, live(), fake.fetchAt('let a = ')), { suggestion: { insertText: '', replaceLength: 0 }, source: 'engine' });
    assert.deepEqual(await trigger.provide(view('let a = '), true, live(), fake.fetchAt('let a = ')), { source: 'cache' });
    assert.equal((await trigger.provide(view('let a = '), false, live(), fake.fetchAt('let a = '))).source, 'engine', 'a manual request always asks');
    await trigger.provide(view('let a = 1'), true, live(), fake.fetchAt('let a = 1'));
    assert.deepEqual(fake.calls, ['let a = ', 'let a = ', 'let a = 1']);
  });

  test('a storm of keystrokes cancelled by the editor during the debounce makes no engine calls', async () => {
    const fake = engine(() => 'x');
    const trigger = new CompletionTrigger(new AdaptiveDebounce({ minMs: 30, maxMs: 30 }));
    let text = 'let s = ';
    let previous: AbortController | undefined;
    const pending: Promise<unknown>[] = [];
    for (let i = 0; i < 50; i++) {
      previous?.abort();
      previous = new AbortController();
      text += 'q';
      pending.push(trigger.provide(view(text), true, previous.signal, fake.fetchAt(text)));
      await new Promise((resolve) => setTimeout(resolve, 2));
    }
    await Promise.all(pending);
    assert.equal(fake.calls.length, 1, 'only the last keystroke outlived its debounce');
  });
});

describe('per-language switch and snooze', () => {
  test('languages map ids to on/off with "*" as the default', () => {
    assert.equal(completionsEnabledFor('typescript', { '*': true, markdown: false }), true);
    assert.equal(completionsEnabledFor('markdown', { '*': true, markdown: false }), false);
    assert.equal(completionsEnabledFor('python', { '*': false, python: true }), true);
    assert.equal(completionsEnabledFor('go', {}), true);
  });
  test('snooze lasts its minutes and can be lifted', () => {
    const snooze = new Snooze();
    snooze.snooze(15, 0);
    assert.equal(snooze.isSnoozed(14 * 60_000), true);
    assert.equal(snooze.minutesLeft(14 * 60_000 + 1), 1);
    assert.equal(snooze.isSnoozed(15 * 60_000), false);
    snooze.snooze(5, 0);
    snooze.resume();
    assert.equal(snooze.isSnoozed(1), false);
  });
  test('the snooze menu offers its durations, with resuming first while snoozed', () => {
    const durations = [5, 15, 30, 60].map((minutes) => ({ label: `Snooze for ${minutes} minutes`, minutes }));
    assert.deepEqual(snoozeMenu(0), durations);
    assert.deepEqual(snoozeMenu(12), [{ label: 'Resume now (12 min left)', minutes: 0 }, ...durations]);
  });
});
