/**
 * Chat rendering of long and deeply nested answers in a real browser: each answer is streamed into the webview's
 * own AssistantMessage (media/chat/, bundled with page.ts) in Debian's Chromium, in deltas of the hostile-corpus
 * engine's chunk size (16 KiB) with one render after each (by default), and the renders are timed with their layout;
 * against the peer of the finished answer rendered once (as a saved conversation is), which streaming can at best
 * approach: settled blocks are rendered once, and only the tail again on each frame.
 * Run: node out/bench/chat/renderBench.js [--runs 3] [--cases code-20k,quote-5k] [--delta 16384] [--per-frame 1]
 *      [--timeout 180] [--out bench/chat/results.json]   (after `tsc`; needs Chromium: scripts/install-test-deps.sh)
 */
import { readFileSync, writeFileSync } from 'node:fs';
import * as path from 'node:path';
import { setTimeout as delay } from 'node:timers/promises';
import { parseArgs } from 'node:util';
import * as esbuild from 'esbuild';
import type { Page } from 'playwright-core';
import { median } from '../engine/median';
import { launchBrowser } from '../../test/e2e/browser';
import { hostileCorpus } from '../../test/e2e/hostile/corpus';
import type { StreamResult } from './page';

const repoRoot = path.resolve(__dirname, '../../..');
const endMarker = 'End of the answer.';

/** The answers, before their end marker; the long and deep ones are those of the hostile corpus. */
const cases: Record<string, () => string> = {
  'code-20k': () => `Here it is:\n\n\`\`\`ts\n${Array.from({ length: 20_000 }, (_, i) => `  const value${i} = compute(${i}, 'item ${i}'); // line ${i}`).join('\n')}\n\`\`\``,
  'quote-5k': () => `${'> '.repeat(5_000)}deep quote`,
  'list-3k': () => Array.from({ length: 3_000 }, (_, i) => `${'  '.repeat(i)}- item ${i}`).join('\n'),
  brackets: () => `${'['.repeat(10_000)}${']'.repeat(10_000)}${'*'.repeat(10_000)}`,
  // About 1 MB of ordinary markdown: what must not get slower.
  'ordinary-1mb': () => hostileCorpus('http://127.0.0.1:9').find((answer) => answer.name === 'huge')!.markdown.replace(/\n+End of hostile answer huge\.\n$/, ''),
};

async function openPage(): Promise<{ page: Page; close: () => Promise<void> }> {
  const bundle = await esbuild.build({
    entryPoints: [path.join(repoRoot, 'bench', 'chat', 'page.ts')],
    bundle: true,
    write: false,
    format: 'iife',
    platform: 'browser',
    target: 'es2022',
  });
  const browser = await launchBrowser();
  const page = await browser.newPage();
  const css = readFileSync(path.join(repoRoot, 'media', 'chat', 'chat.css'), 'utf8');
  // The chat's side panel is about 400 px wide.
  await page.setContent(`<!DOCTYPE html><html><head><style>${css}</style></head><body><main id="messages" style="width: 400px"></main></body></html>`);
  await page.addScriptTag({ content: bundle.outputFiles[0].text });
  return { page, close: () => browser.close() };
}

/** One answer streamed in a fresh browser (a render still going after a timeout must not slow the next one). */
async function timeStream(markdown: string, deltaChars: number, deltasPerFrame: number, timeoutMs: number): Promise<StreamResult | undefined> {
  const { page, close } = await openPage();
  const timeout = new AbortController();
  try {
    const stream = page.evaluate(
      ([text, delta, perFrame, marker]) => (window as unknown as { streamAnswer: (...args: unknown[]) => StreamResult }).streamAnswer(text, delta, perFrame, marker),
      [markdown, deltaChars, deltasPerFrame, endMarker] as const,
    );
    stream.catch(() => undefined);
    return await Promise.race([stream, delay(timeoutMs, undefined, { signal: timeout.signal })]);
  } finally {
    timeout.abort();
    await close();
  }
}

interface CaseResult {
  /** Streamed, all renders; null where a run did not finish in time. */
  streamedMs: (number | null)[];
  longestRenderMs: number[];
  renders: number;
  endShown: boolean[];
  /** The peer: the finished answer rendered once, as a saved conversation is (one delta, then the end). */
  wholeMs: number[];
  wholeEndShown: boolean[];
  streamedMedianMs: number | null;
  wholeMedianMs: number;
}

async function main(): Promise<void> {
  const { values } = parseArgs({
    options: {
      runs: { type: 'string', default: '3' },
      cases: { type: 'string', default: Object.keys(cases).join(',') },
      delta: { type: 'string', default: '16384' },
      'per-frame': { type: 'string', default: '1' },
      timeout: { type: 'string', default: '180' },
      out: { type: 'string', default: path.join(repoRoot, 'bench', 'chat', 'results.json') },
    },
  });
  const runs = Number(values.runs);
  const timeoutMs = Number(values.timeout) * 1000;
  const results: Record<string, CaseResult> = {};
  for (const name of values.cases.split(',')) {
    const markdown = `${cases[name]()}\n\n\n\n${endMarker}\n`;
    const result: CaseResult = { streamedMs: [], longestRenderMs: [], renders: 0, endShown: [], wholeMs: [], wholeEndShown: [], streamedMedianMs: null, wholeMedianMs: 0 };
    for (let run = 0; run < runs; run++) {
      const streamed = await timeStream(markdown, Number(values.delta), Number(values['per-frame']), timeoutMs);
      const whole = await timeStream(markdown, markdown.length, 1, timeoutMs);
      result.streamedMs.push(streamed ? Math.round(streamed.ms) : null);
      result.longestRenderMs.push(streamed ? Math.round(streamed.longestRenderMs) : timeoutMs);
      result.renders = streamed?.renders ?? result.renders;
      result.endShown.push(streamed?.endShown ?? false);
      result.wholeMs.push(whole ? Math.round(whole.ms) : timeoutMs);
      result.wholeEndShown.push(whole?.endShown ?? false);
      console.log(`${name} run ${run + 1}: ${streamed ? `${Math.round(streamed.ms)} ms in ${streamed.renders} renders, longest ${Math.round(streamed.longestRenderMs)} ms, end ${streamed.endShown ? 'shown' : 'MISSING'}` : `not done in ${timeoutMs / 1000} s`}; whole ${result.wholeMs.at(-1)} ms, end ${whole?.endShown ? 'shown' : 'MISSING'}`);
    }
    // A run that did not finish counts as slower than any that did.
    const middle = median(result.streamedMs.map((ms) => ms ?? Number.POSITIVE_INFINITY));
    result.streamedMedianMs = Number.isFinite(middle) ? middle : null;
    result.wholeMedianMs = median(result.wholeMs);
    results[name] = result;
  }
  console.log(`\nmedians of ${runs} runs, ms   streamed   longest render   renders   whole once   streamed / whole   end shown (streamed, whole)`);
  for (const [name, result] of Object.entries(results)) {
    const streamed = result.streamedMedianMs ?? `> ${timeoutMs}`;
    const ratio = result.streamedMedianMs === null ? '-' : (result.streamedMedianMs / result.wholeMedianMs).toFixed(1);
    console.log(`${name.padEnd(26)} ${String(streamed).padStart(10)} ${String(median(result.longestRenderMs)).padStart(16)} ${String(result.renders).padStart(9)} ${String(result.wholeMedianMs).padStart(12)} ${ratio.padStart(18)} ${`${result.endShown.filter(Boolean).length}/${runs}, ${result.wholeEndShown.filter(Boolean).length}/${runs}`.padStart(11)}`);
  }
  writeFileSync(values.out, `${JSON.stringify({ date: new Date().toISOString(), deltaChars: Number(values.delta), deltasPerFrame: Number(values['per-frame']), results }, null, 2)}\n`);
}

main().catch((error) => {
  console.error(error);
  process.exit(1);
});
