/**
 * `rook bench streams`: several streams decoding at once in one engine, Rook's continuous batching against
 * llama.cpp's (node-llama-cpp decodes the sequences of one context in shared batches), on the same weights: the
 * embedded model as int8 ONNX for Rook and its Q8_0 GGUF export for llama.cpp, the same thread count, in one run.
 * For 1, 4 and 16 streams (each a different short code prompt, then `--tokens` greedy tokens) it prints aggregate
 * decode tokens/s, time to first token p50, and the ratios: streams against one stream, Rook against llama.cpp.
 * Prompt lookup is off, so that both engines decode one token per sequence per step.
 * Usage: node out/bench/streams/streamsBench.js [--streams 1,4,16] [--tokens 64] [--threads 1] [--out FILE]
 */
import * as fs from 'node:fs';
import * as path from 'node:path';
import { parseArgs } from 'node:util';
import { LocalEngine } from '../../server/engines/local/localEngine';
import { readModelConfig } from '../../server/model/config';
import { modelFiles } from '../../server/model/modelFiles';
import { percentile } from '../../server/metrics/latency';
import { embeddedModelFolder, importEsm } from '../../test/engine/fixtures';

type NodeLlamaCpp = typeof import('node-llama-cpp', { with: { 'resolution-mode': 'import' } });
type Token = import('node-llama-cpp', { with: { 'resolution-mode': 'import' } }).Token;

const snippets = [
  'export function clamp(value: number, low: number, high: number): number {\n',
  'import * as path from "node:path";\n\nexport function resolveHome(',
  'def read_lines(path):\n    with open(path) as f:\n',
  'const server = http.createServer((req, res) => {\n',
  'class Stack<T> {\n  private items: T[] = [];\n',
  'for (let i = 0; i < rows.length; i++) {\n',
  'async function fetchJson(url: string) {\n  const response = await fetch(',
  'SELECT name, count(*) FROM users GROUP BY',
];

/** Stream `i`'s prompt: a snippet, numbered so that no two streams share a whole prompt. */
const promptOf = (i: number) => `// stream ${i}\n${snippets[i % snippets.length]}`;

interface Run {
  streams: number;
  tokens: number;
  seconds: number;
  ttftMs: number[];
}

async function rookRun(engine: LocalEngine, streams: number, tokens: number): Promise<Run> {
  const started = performance.now();
  const ttftMs: number[] = [];
  let generated = 0;
  await Promise.all(
    Array.from({ length: streams }, async (_, i) => {
      let first = true;
      for await (const event of engine.complete({ prompt: promptOf(i), maxTokens: tokens, temperature: 0 }, new AbortController().signal)) {
        if (event.kind !== 'text') continue;
        if (first) ttftMs.push(performance.now() - started);
        first = false;
        generated += event.tokens?.length ?? 0;
      }
    }),
  );
  return { streams, tokens: generated, seconds: (performance.now() - started) / 1000, ttftMs };
}

/** Rook and llama.cpp at each stream count, on the embedded model's weights; prints a line per count. */
export async function measureStreams(options: { streams: number[]; tokens: number; threads: number }) {
  const { streams: counts, tokens, threads } = options;
  const { dir } = embeddedModelFolder({ quant: 'int8' });
  const config = readModelConfig(path.join(dir, modelFiles.config));

  const rook = await LocalEngine.load({ modelPath: dir, executionProvider: 'cpu', threads, promptLookup: false, maxSequences: Math.max(...counts) });
  const llamaCpp = await importEsm<NodeLlamaCpp>('node-llama-cpp');
  const llama = await llamaCpp.getLlama({ gpu: false, build: 'never', logLevel: llamaCpp.LlamaLogLevel.error });
  const model = await llama.loadModel({ modelPath: path.join(dir, modelFiles.gguf) });

  async function llamaRun(streams: number): Promise<Run> {
    const context = await model.createContext({ contextSize: Math.max(config.contextLength, streams * 256), sequences: streams, threads, flashAttention: false, experimentalKvCacheKeyType: 'F32', experimentalKvCacheValueType: 'F32' });
    const started = performance.now();
    const ttftMs: number[] = [];
    let generated = 0;
    await Promise.all(
      Array.from({ length: streams }, async (_, i) => {
        const sequence = context.getSequence();
        const prompt = [config.bosTokenId, ...rook.encode(promptOf(i))] as Token[];
        let count = 0;
        for await (const token of sequence.evaluate(prompt, { temperature: 0 })) {
          if (count === 0) ttftMs.push(performance.now() - started);
          if (token === config.eosTokenId || ++count >= tokens) break;
        }
        generated += count;
      }),
    );
    const run = { streams, tokens: generated, seconds: (performance.now() - started) / 1000, ttftMs };
    await context.dispose();
    return run;
  }

  await rookRun(rook, 1, 8);
  await llamaRun(1);
  const rows = [];
  for (const streams of counts) {
    const ours = await rookRun(rook, streams, tokens);
    const theirs = await llamaRun(streams);
    rows.push({ streams, rook: ours, llamaCpp: theirs });
  }
  await rook.dispose();
  await model.dispose();
  await llama.dispose();

  const rate = (run: Run) => run.tokens / run.seconds;
  const single = rows.find((row) => row.streams === 1) ?? rows[0];
  const results = rows.map(({ streams, rook: ours, llamaCpp: theirs }) => ({
    streams,
    rookTokensPerSecond: Math.round(rate(ours)),
    llamaCppTokensPerSecond: Math.round(rate(theirs)),
    rookOverLlamaCpp: Number((rate(ours) / rate(theirs)).toFixed(2)),
    rookOverOneStream: Number((rate(ours) / rate(single.rook)).toFixed(2)),
    llamaCppOverOneStream: Number((rate(theirs) / rate(single.llamaCpp)).toFixed(2)),
    rookTtftP50Ms: Math.round(percentile(ours.ttftMs, 50)),
    llamaCppTtftP50Ms: Math.round(percentile(theirs.ttftMs, 50)),
  }));
  for (const row of results) {
    console.log(
      `${String(row.streams).padStart(3)} streams: Rook ${row.rookTokensPerSecond} tok/s (${row.rookOverOneStream}x one stream), llama.cpp ${row.llamaCppTokensPerSecond} tok/s ` +
        `(${row.llamaCppOverOneStream}x); Rook/llama.cpp ${row.rookOverLlamaCpp}x; TTFT p50 Rook ${row.rookTtftP50Ms} ms, llama.cpp ${row.llamaCppTtftP50Ms} ms`,
    );
  }
  return { date: new Date().toISOString().slice(0, 10), model: 'models/rook-moe-mini (int8 ONNX; Q8_0 GGUF for llama.cpp)', threads, tokensPerStream: tokens, results };
}

async function main(): Promise<void> {
  const { values } = parseArgs({
    options: {
      streams: { type: 'string', default: '1,4,16' },
      tokens: { type: 'string', default: '64' },
      threads: { type: 'string', default: '1' },
      out: { type: 'string' },
      help: { type: 'boolean', default: false },
    },
  });
  if (values.help) {
    console.log('Usage: node out/bench/streams/streamsBench.js [--streams 1,4,16] [--tokens 64] [--threads 1] [--out FILE]');
    return;
  }
  const report = await measureStreams({ streams: values.streams!.split(',').map(Number), tokens: Number(values.tokens), threads: Number(values.threads) });
  if (values.out) fs.writeFileSync(values.out, `${JSON.stringify(report, null, 2)}\n`);
}

if (require.main === module) {
  main().catch((error: unknown) => {
    console.error(error);
    process.exit(1);
  });
}
