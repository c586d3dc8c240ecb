/**
 * `rook bench completion`: typing sessions replayed against the real sidecar (`node dist/rook.js lsp
 * --stdio`) with the local engine, through the extension's own triggering logic (`CompletionTrigger`:
 * debounce, typing-through cache, in-flight reuse, cancellation as VS Code cancels on each keystroke).
 * Keystrokes retype lines of real source files from node_modules, 80-150 ms apart, with a thinking pause
 * (`pauseMs`) every 6-15 keystrokes and at the end of each session: ghost text shows in pauses.
 * Measures keystroke-to-suggestion latency, engine calls and suggestions per keystroke, KV prefix reuse,
 * cold vs extending request cost, and a typing storm (1000 keystrokes at 20 ms).
 * Usage: node out/bench/completion/completionBench.js [--model DIR] [--out bench/completion/results.json]
 */
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { CompletionTrigger } from '../../extension/completion/completionTrigger';
import { percentile } from '../../server/metrics/latency';
import { defaultSettings, type RookSettings } from '../../server/protocol/contract';
import { tinyModelFolder } from '../../test/engine/fixtures';
import { repoRoot, startSidecar, type Sidecar } from '../../test/sidecar/sidecarProcess';
import { breakdown, open, Requests, round, rssMb, seededRandom, sleep, stats, typeThrough, type KeystrokeOutcome, type TypedDocument } from './replay';

const sourceFiles = [
  'node_modules/vscode-languageserver/lib/common/server.js',
  'node_modules/vscode-jsonrpc/lib/common/connection.js',
  'node_modules/highlight.js/lib/core.js',
  'node_modules/eventsource-parser/dist/index.js',
];
const sessionsPerFile = 3;
const linesTypedPerSession = 2;
const pauseMs = 700;

/** The shape of `training/configs/rook-moe-mini.json`, with random weights, when the trained model is not there. */
const miniShape = {
  hiddenSize: 192,
  numLayers: 4,
  numHeads: 6,
  numKvHeads: 2,
  headDim: 32,
  numExperts: 8,
  numExpertsPerToken: 2,
  expertFfnSize: 256,
  contextLength: 256,
  embeddingMultiplier: 13.856406460551018,
  attentionScale: 0.17677669529663687,
  fim: { prefix: 3, suffix: 4, middle: 5 },
  fimLayout: 'spm' as const,
};

const random = seededRandom(5);

/** A region of `text` to retype: `linesTypedPerSession` non-blank lines from a random point in the file's middle. */
function pickRegion(text: string): { start: number; end: number } {
  const lineStarts = [0];
  for (let at = text.indexOf('\n'); at !== -1; at = text.indexOf('\n', at + 1)) lineStarts.push(at + 1);
  for (;;) {
    const line = Math.floor(lineStarts.length * (0.2 + 0.6 * random()));
    const start = lineStarts[line] + (text.slice(lineStarts[line]).match(/^\s*/)?.[0].length ?? 0);
    const end = lineStarts[line + linesTypedPerSession] - 1;
    if (end - start > 20 && end - start < 200) return { start, end };
  }
}

async function typingSessions(sidecar: Sidecar, requests: Requests) {
  const before = await stats(sidecar);
  const [sentBefore, answeredBefore, timedBefore] = [requests.sent, requests.answered, requests.answerMs.length];
  const outcomes: KeystrokeOutcome[] = [];
  let session = 0;
  for (const file of sourceFiles) {
    const source = fs.readFileSync(path.join(repoRoot, file), 'utf8');
    for (let index = 0; index < sessionsPerFile; index++) {
      const { start, end } = pickRegion(source);
      const document = await open(sidecar, `file:///bench/session${session++}.js`, source.slice(0, start) + source.slice(end), start);
      const trigger = new CompletionTrigger();
      let untilPause = 6 + Math.floor(10 * random());
      const gap = () => (--untilPause > 0 ? 80 + 70 * random() : ((untilPause = 6 + Math.floor(10 * random())), pauseMs));
      outcomes.push(...(await typeThrough(document, source.slice(start, end), gap, trigger, requests)));
      await sleep(pauseMs);
      // Sessions are separate editors: an earlier copy of the file must not become a context snippet.
      await document.close();
    }
  }
  const after = await stats(sidecar);
  const shown = outcomes.filter((outcome) => outcome.latencyMs !== undefined);
  const latencies = shown.map((outcome) => outcome.latencyMs!);
  const bySource = (source: string) => shown.filter((outcome) => outcome.source === source).map((outcome) => outcome.latencyMs!);
  const promptTokens = after.promptTokens - before.promptTokens;
  const answerMs = requests.answerMs.slice(timedBefore);
  return {
    sessions: session,
    keystrokes: outcomes.length,
    suggestionLatencyMs: { p50: round(percentile(latencies, 50)), p95: round(percentile(latencies, 95)) },
    /** Every request answered before it was cancelled, empty answers too: the sidecar's own latency over many more samples. */
    requestToAnswerMs: { count: answerMs.length, p50: round(percentile(answerMs, 50)), p95: round(percentile(answerMs, 95)) },
    sidecarBreakdown: breakdown(before, after),
    latencyBySourceP50Ms: Object.fromEntries(['cache', 'in-flight', 'engine'].map((source) => [source, round(percentile(bySource(source), 50))])),
    shownBySource: Object.fromEntries(['cache', 'in-flight', 'engine'].map((source) => [source, bySource(source).length])),
    suggestionsShownPerKeystroke: round(shown.length / outcomes.length, 3),
    nonEmptyAnswersPerRequest: round((requests.answered - answeredBefore) / Math.max(1, requests.sent - sentBefore), 3),
    lspRequestsPerKeystroke: round((after.requests - before.requests) / outcomes.length, 3),
    engineCallsPerKeystroke: round((after.engineCalls - before.engineCalls) / outcomes.length, 3),
    prefixCacheHitRate: promptTokens > 0 ? round((after.reusedTokens - before.reusedTokens) / promptTokens, 3) : null,
  };
}

/**
 * Request cost without the client's help: a request at a new place vs one after typing one more
 * character, in wall-clock time and in prompt tokens the engine computed (what KV prefix reuse
 * saves, and independent of the machine's load). Both decode alike, so the wall-clock cost is also
 * measured with `maxTokens: 1` (`promptCost`).
 */
async function coldVsExtending(sidecar: Sidecar, requests: Requests) {
  const cold = { ms: [] as number[], computedTokens: [] as number[] };
  const extending = { ms: [] as number[], computedTokens: [] as number[] };
  const source = fs.readFileSync(path.join(repoRoot, sourceFiles[0]), 'utf8');
  const statsBefore = await stats(sidecar);
  const measure = async (document: TypedDocument, into: typeof cold) => {
    const before = await stats(sidecar);
    const started = performance.now();
    await requests.fetch(document, new AbortController().signal);
    into.ms.push(performance.now() - started);
    const after = await stats(sidecar);
    into.computedTokens.push(after.promptTokens - after.reusedTokens - (before.promptTokens - before.reusedTokens));
  };
  for (let round = 0; round < 12; round++) {
    const { start, end } = pickRegion(source);
    // The cold request is already one character into the line, so it and the extending ones are all single-line.
    const document = await open(sidecar, `file:///bench/cold${round}.js`, source.slice(0, start + 1) + source.slice(end), start + 1);
    await measure(document, cold);
    for (const char of source.slice(start + 1, start + 5)) {
      await document.type(char);
      await measure(document, extending);
    }
    await document.close();
  }
  const p50 = (values: number[]) => percentile(values, 50);
  return {
    sidecarBreakdown: breakdown(statsBefore, await stats(sidecar)),
    coldP50Ms: round(p50(cold.ms)),
    extendingP50Ms: round(p50(extending.ms)),
    extendingOverCold: round(p50(extending.ms) / p50(cold.ms), 3),
    coldComputedTokensP50: p50(cold.computedTokens),
    extendingComputedTokensP50: p50(extending.computedTokens),
    computedTokensExtendingOverCold: round(p50(extending.computedTokens) / p50(cold.computedTokens), 3),
  };
}

/** 1000 keystrokes at 20 ms: what is left queued when it stops, how many engine calls it caused, memory. */
async function typingStorm(sidecar: Sidecar) {
  const requests = new Requests(sidecar);
  const source = fs.readFileSync(path.join(repoRoot, sourceFiles[2]), 'utf8');
  const typed = source.slice(20_000, 21_000);
  const document = await open(sidecar, 'file:///bench/storm.js', source.slice(0, 20_000) + source.slice(21_000), 20_000);
  const rssBefore = rssMb(sidecar.process.pid!);
  const before = await stats(sidecar);
  const started = performance.now();
  await typeThrough(document, typed, () => 20, new CompletionTrigger(), requests);
  await document.close();
  const typingMs = performance.now() - started;
  const outstandingAtEnd = requests.outstanding;
  const drainStarted = performance.now();
  await requests.drained();
  const drainMs = performance.now() - drainStarted;
  const after = await stats(sidecar);
  return {
    keystrokes: typed.length,
    typingSeconds: round(typingMs / 1000),
    lspRequests: requests.sent,
    engineCalls: after.engineCalls - before.engineCalls,
    maxOutstandingRequests: requests.maxOutstanding,
    outstandingAtEnd,
    drainMs: round(drainMs),
    rssMbBefore: rssBefore,
    rssMbAfter: rssMb(sidecar.process.pid!),
  };
}

function modelFolder(requested: string | undefined): { dir: string; description: string } {
  if (requested) return { dir: path.resolve(requested), description: `model folder ${requested}` };
  const trained = path.join(repoRoot, 'models/rook-moe-mini');
  if (fs.existsSync(path.join(trained, 'config.json')) && fs.existsSync(path.join(trained, 'model.onnx'))) {
    return { dir: trained, description: 'models/rook-moe-mini (trained)' };
  }
  return { dir: tinyModelFolder(miniShape, 11).dir, description: 'random weights in the shape of training/configs/rook-moe-mini.json (models/rook-moe-mini not trained yet), synthetic byte-level tokenizer' };
}

async function main(): Promise<void> {
  const args = process.argv.slice(2);
  const option = (name: string) => (args.includes(name) ? args[args.indexOf(name) + 1] : undefined);
  const model = modelFolder(option('--model'));
  const sidecar = await startSidecar();
  try {
    // Every suggestion shown (no confidence threshold), so that the typing-through paths are measured whatever the model's confidence.
    const settings: RookSettings = { ...defaultSettings, completion: { ...defaultSettings.completion, minConfidence: 0 }, engine: 'local', local: { modelPath: model.dir, executionProvider: 'cpu', threads: 0 } };
    const configure = async (maxTokens: number) => {
      const status = await sidecar.configure({ ...settings, completion: { ...settings.completion, maxTokens } });
      if (status.state !== 'ready') throw new Error(`sidecar not ready: ${status.message}`);
    };
    await configure(settings.completion.maxTokens);
    const requests = new Requests(sidecar);
    const loadBefore = os.loadavg()[0];
    const typing = await typingSessions(sidecar, requests);
    const requestCost = await coldVsExtending(sidecar, requests);
    const storm = await typingStorm(sidecar);
    await configure(1);
    const promptCost = await coldVsExtending(sidecar, requests);
    const results = {
      date: new Date().toISOString(),
      machine: `${process.platform}-${process.arch}, ${os.cpus().length} cores, shared: load average ${round(loadBefore)} before, ${round(os.loadavg()[0])} after`,
      model: model.description,
      maxTokens: settings.completion.maxTokens,
      typing,
      requestCost,
      promptCost,
      storm,
      targets: { p50Ms: 100, p95Ms: 250, extendingOverCold: 0.2 },
    };
    const text = JSON.stringify(results, null, 2);
    console.log(text);
    const out = option('--out');
    if (out) fs.writeFileSync(out, text + '\n');
  } finally {
    await sidecar.stop();
  }
}

main().catch((error) => {
  console.error(error);
  process.exit(1);
});
