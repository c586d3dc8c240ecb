/**
 * `rook bench serve`: one engine serving many editors, every figure of issue 18 from one run.
 *   1. N concurrent streaming clients (default 64) against a `rook serve` child process for a bounded
 *      time: errors, time to first token and total latency percentiles, and fairness of tokens
 *      across clients (min/max ratio and Jain's index).
 *   2. Rook's OpenAIEngine in front of an OpenAI-protocol endpoint vs a raw fetch of the same
 *      request: the p50 difference is what the sidecar's client layer costs.
 *   3. Continuous batching against llama.cpp at 1, 4, 16 and 64 streams (bench/streams).
 *   4. Completion latency while a chat streams, against an idle engine (bench/turns).
 *   5. Prompt-lookup speculative decoding against plain decoding (bench/speculative).
 * Then the goals (bench/serve/goals.ts), each with its measured ratio.
 * Uses the embedded model (models/rook-moe-mini) when it is there, else a tiny random Grok model.
 */
import { spawn } from 'node:child_process';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { performance } from 'node:perf_hooks';
import { parseArgs } from 'node:util';
import { drain } from '../../server/engines/engine';
import { OpenAIEngine } from '../../server/engines/openai/openaiEngine';
import { readSseJson } from '../../server/engines/openai/sse';
import { percentile } from '../../server/metrics/latency';
import { tinyModelFolder } from '../../test/engine/fixtures';
import { startOpenAIServer } from '../../test/support/openaiServer';
import { measureSpeculative } from '../speculative/speculativeBench';
import { measureStreams } from '../streams/streamsBench';
import { measureCompletionUnderChat } from '../turns/completionUnderChat';
import { formatGoals, issue18Goals } from './goals';

const usage = `Usage: node out/bench/serve/serveBench.js [--clients 64] [--seconds 30] [--max-tokens 16] [--max-sequences N] [--streams 1,4,16,64]
  [--tokens 64] [--cases 24] [--threads 1] [--out FILE]`;

const repoRoot = path.resolve(__dirname, '../../..');
const cliPath = path.join(repoRoot, 'out', 'server', 'cli', 'main.js');
const embeddedModel = path.join(repoRoot, 'models', 'rook-moe-mini');

interface RequestSample {
  client: number;
  ok: boolean;
  ttftMs?: number;
  totalMs: number;
  tokens: number;
}

const summarize = (values: number[]) => ({
  p50: round(percentile(values, 50)),
  p90: round(percentile(values, 90)),
  p99: round(percentile(values, 99)),
});
const round = (value: number, digits = 2) => Math.round(value * 10 ** digits) / 10 ** digits;

/** Jain's fairness index: 1 when every client got the same, 1/n when one got everything. */
export function jainIndex(values: number[]): number {
  const sum = values.reduce((a, b) => a + b, 0);
  const squares = values.reduce((a, b) => a + b * b, 0);
  return squares === 0 ? 1 : (sum * sum) / (values.length * squares);
}

async function startServer(modelDir: string, maxSequences: string | undefined): Promise<{ baseUrl: string; stop: () => void }> {
  // One address sends every request here, so the per-address rate limit is lifted for the run.
  const child = spawn(process.execPath, [cliPath, 'serve', '--model', modelDir, '--port', '0', '--rate-limit', '1000000', '--max-queue-per-client', '1000', '--max-queue', '1000', ...(maxSequences ? ['--max-sequences', maxSequences] : [])], {
    // Its access log (stderr) would be a line per request; the bench reports the aggregate instead.
    stdio: ['ignore', 'pipe', 'ignore'],
  });
  const baseUrl = await new Promise<string>((resolve, reject) => {
    let output = '';
    child.stdout!.on('data', (chunk: Buffer) => {
      output += chunk.toString();
      const match = /listening on (\S+)/.exec(output);
      if (match) resolve(match[1]);
    });
    child.once('exit', (code) => reject(new Error(`rook serve exited (${code}): ${output}`)));
  });
  return { baseUrl, stop: () => child.kill() };
}

async function streamOnce(baseUrl: string, client: number, maxTokens: number): Promise<RequestSample> {
  const started = performance.now();
  let tokens = 0;
  let ttftMs: number | undefined;
  try {
    const response = await fetch(`${baseUrl}/completions`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ prompt: `// client ${client}\nfunction handle(request) {\n`, max_tokens: maxTokens, temperature: 0.8, stream: true, user: `client-${client}` }),
    });
    if (!response.ok || !response.body) {
      await response.body?.cancel();
      return { client, ok: false, totalMs: performance.now() - started, tokens };
    }
    for await (const payload of readSseJson(response.body, 60_000, new AbortController().signal, baseUrl)) {
      if ((payload as { error?: unknown }).error) return { client, ok: false, totalMs: performance.now() - started, tokens };
      if ((payload as { choices: Array<{ text: string }> }).choices[0]?.text) {
        ttftMs ??= performance.now() - started;
        tokens++;
      }
    }
    return { client, ok: true, ttftMs, totalMs: performance.now() - started, tokens };
  } catch {
    return { client, ok: false, totalMs: performance.now() - started, tokens };
  }
}

async function loadTest(baseUrl: string, clients: number, seconds: number, maxTokens: number) {
  const samples: RequestSample[] = [];
  const deadline = performance.now() + seconds * 1000;
  await Promise.all(
    Array.from({ length: clients }, async (_, client) => {
      while (performance.now() < deadline) samples.push(await streamOnce(baseUrl, client, maxTokens));
    }),
  );
  const tokensPerClient = Array.from({ length: clients }, (_, client) => samples.filter((s) => s.client === client).reduce((sum, s) => sum + s.tokens, 0));
  const ok = samples.filter((s) => s.ok);
  return {
    clients,
    seconds,
    maxTokens,
    requests: samples.length,
    errors: samples.length - ok.length,
    tokensPerSecond: round(ok.reduce((sum, s) => sum + s.tokens, 0) / seconds, 1),
    ttftMs: summarize(ok.flatMap((s) => (s.ttftMs === undefined ? [] : [s.ttftMs]))),
    totalMs: summarize(ok.map((s) => s.totalMs)),
    fairness: {
      minTokensPerClient: Math.min(...tokensPerClient),
      maxTokensPerClient: Math.max(...tokensPerClient),
      minMaxRatio: round(Math.min(...tokensPerClient) / Math.max(1, ...tokensPerClient), 3),
      jainIndex: round(jainIndex(tokensPerClient), 4),
    },
  };
}

/** The same streamed request, through OpenAIEngine and by raw fetch, alternated; p50 of each and the difference. */
async function clientOverhead(requests: number) {
  const server = await startOpenAIServer({ reply: () => 'ok', chunkDelayMs: 0, chunkSize: 16 });
  const body = { model: 'test-model', prompt: 'x', max_tokens: 1, temperature: 0, stream: true };
  const engine = new OpenAIEngine({ baseUrl: server.baseUrl, model: 'test-model', timeoutMs: 5000 });
  await engine.capabilities();
  const raw = async () => {
    const response = await fetch(`${server.baseUrl}/completions`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify(body) });
    await response.text();
  };
  const viaEngine = () => drain(engine.complete({ prompt: 'x', maxTokens: 1, temperature: 0 }, new AbortController().signal));
  const timings = { raw: [] as number[], engine: [] as number[] };
  for (let i = 0; i < requests + 20; i++) {
    for (const [name, run] of [['raw', raw], ['engine', viaEngine]] as const) {
      const started = performance.now();
      await run();
      // The first 20 rounds warm up connections and the JIT.
      if (i >= 20) timings[name].push(performance.now() - started);
    }
  }
  await server.close();
  const rawP50 = percentile(timings.raw, 50);
  const engineP50 = percentile(timings.engine, 50);
  return { requests, rawFetchP50Ms: round(rawP50, 3), openaiEngineP50Ms: round(engineP50, 3), overheadP50Ms: round(engineP50 - rawP50, 3) };
}

async function main(): Promise<void> {
  const { values } = parseArgs({
    options: {
      clients: { type: 'string', default: '64' },
      seconds: { type: 'string', default: '30' },
      'max-tokens': { type: 'string', default: '16' },
      'max-sequences': { type: 'string' },
      streams: { type: 'string', default: '1,4,16,64' },
      tokens: { type: 'string', default: '64' },
      cases: { type: 'string', default: '24' },
      threads: { type: 'string', default: '1' },
      out: { type: 'string', default: path.join(repoRoot, 'bench', 'serve', 'results.json') },
      help: { type: 'boolean', default: false },
    },
  });
  if (values.help) {
    console.log(usage);
    return;
  }
  const embedded = fs.existsSync(path.join(embeddedModel, 'config.json'));
  const modelDir = embedded ? embeddedModel : tinyModelFolder({ contextLength: 512 }, 5).dir;
  const threads = Number(values.threads);
  const server = await startServer(modelDir, values['max-sequences']);
  let load;
  try {
    load = await loadTest(server.baseUrl, Number(values.clients), Number(values.seconds), Number(values['max-tokens']));
  } finally {
    server.stop();
  }
  console.log(`rook serve, ${load.clients} clients for ${load.seconds} s: ${load.requests} requests, ${load.errors} errors, ${load.tokensPerSecond} tok/s, TTFT p50 ${load.ttftMs.p50} ms, Jain ${load.fairness.jainIndex}`);
  const overhead = await clientOverhead(300);
  console.log(`client overhead p50: ${overhead.overheadP50Ms} ms over a raw fetch`);
  const streams = await measureStreams({ streams: values.streams!.split(',').map(Number), tokens: Number(values.tokens), threads });
  const workload = { model: modelDir, cases: Number(values.cases), threads };
  const turns = await measureCompletionUnderChat(workload);
  const speculative = await measureSpeculative(workload);
  const edit = speculative.results.find((row) => row.workload === 'edit')!;
  const goals = issue18Goals({
    streams: streams.results,
    serve: { clients: load.clients, ttftP50Ms: load.ttftMs.p50 },
    completionUnderChatP50: turns.ratio.p50,
    speculativeEdit: { speedup: edit.speedup, identical: edit.identicalOutputs, cases: edit.cases },
  });
  console.log(`\nIssue 18's goals, this run:\n${formatGoals(goals)}`);
  const results = {
    date: new Date().toISOString(),
    machine: `${process.platform}-${process.arch}, ${os.cpus().length} cores, node ${process.version}`,
    model: embedded ? 'models/rook-moe-mini (embedded)' : 'tiny random Grok (test/engine/fixtures tinyModelFolder, context 512)',
    serve: load,
    clientOverhead: overhead,
    streams,
    completionUnderChat: turns,
    speculative,
    goals,
  };
  fs.writeFileSync(values.out!, `${JSON.stringify(results, null, 2)}\n`);
}

main().catch((error) => {
  console.error(error);
  process.exitCode = 1;
});
