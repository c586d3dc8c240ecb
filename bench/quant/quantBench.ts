/**
 * `npm run bench -- quant`: what int8 / int4 block quantization (MatMulNBits; llama.cpp Q8_0 / Q4_0) costs and buys
 * on the trained embedded model, against its float32 graph and against llama.cpp at the same quantization, in one
 * run: held-out next-token loss and perplexity, top-1 agreement and logit differences with float32, file sizes,
 * prompt and decode tokens/s. Usage: node out/bench/quant/quantBench.js [--out results.json]
 */
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import * as ort from 'onnxruntime-node';
import { DecoderSession } from '../../server/engines/local/decoderSession';
import { argmax } from '../../server/engines/local/sampler';
import type { ModelConfig } from '../../server/model/config';
import type { QuantOptions, QuantType } from '../../server/model/quant';
import { embeddedModelFolder } from '../../test/engine/fixtures';

type NodeLlamaCpp = typeof import('node-llama-cpp', { with: { 'resolution-mode': 'import' } });
type Token = import('node-llama-cpp', { with: { 'resolution-mode': 'import' } }).Token;
type Llama = Awaited<ReturnType<NodeLlamaCpp['getLlama']>>;
type TokenizersModule = typeof import('@huggingface/tokenizers', { with: { 'resolution-mode': 'import' } });
const importEsm = new Function('specifier', 'return import(specifier)') as (specifier: string) => Promise<NodeLlamaCpp>;
// The package ships a CommonJS build (its `require` export) but declares its types as ESM only.
const { Tokenizer } = require('@huggingface/tokenizers') as TokenizersModule;

const repoRoot = path.resolve(__dirname, '..', '..', '..');
const threads = 1;
const promptLength = 128;
const decodeSteps = 64;
const repeats = 5;

/** Real code from packages the embedded model was not trained on (training/corpus-manifest.json, split "eval"). */
const heldOutFiles = [
  { pkg: 'jsonwebtoken', file: 'node_modules/jsonwebtoken/sign.js' },
  { pkg: 'jsonwebtoken', file: 'node_modules/jsonwebtoken/verify.js' },
  { pkg: 'protobufjs', file: 'node_modules/protobufjs/src/converter.js' },
  { pkg: 'protobufjs', file: 'node_modules/protobufjs/src/decoder.js' },
  { pkg: 'protobufjs', file: 'node_modules/protobufjs/src/encoder.js' },
  { pkg: 'protobufjs', file: 'node_modules/protobufjs/src/field.js' },
  { pkg: 'cockatiel', file: 'node_modules/cockatiel/dist/CircuitBreakerPolicy.d.ts' },
  { pkg: 'cockatiel', file: 'node_modules/cockatiel/dist/BulkheadPolicy.js' },
  { pkg: 'yargs-parser', file: 'node_modules/yargs-parser/build/lib/yargs-parser.js' },
  { pkg: 'yargs-parser', file: 'node_modules/yargs-parser/build/lib/tokenize-arg-string.js' },
  { pkg: 'python3.11-stdlib/json', file: '/usr/lib/python3.11/json/decoder.py' },
  { pkg: 'python3.11-stdlib/json', file: '/usr/lib/python3.11/json/encoder.py' },
  { pkg: 'python3.11-stdlib/json', file: '/usr/lib/python3.11/json/scanner.py' },
  { pkg: 'python3.11-stdlib/dataclasses', file: '/usr/lib/python3.11/dataclasses.py' },
];

const variants: { name: string; options: QuantOptions & { quant: QuantType } }[] = [
  { name: 'float32', options: { quant: 'none' } },
  { name: 'int8', options: { quant: 'int8' } },
  { name: 'int8, float32 activations', options: { quant: 'int8', activations: 'float32' } },
  { name: 'int4', options: { quant: 'int4' } },
  { name: 'int4, float32 activations', options: { quant: 'int4', activations: 'float32' } },
];
const ggufTypes = { none: 'F32', int8: 'Q8_0', int4: 'Q4_0' } as const;

/** One window per file: BOS and the file's first context-1 tokens, so every window is scored at full length. */
function heldOutWindows(config: ModelConfig, tokenizerFile: string): number[][] {
  const manifest = JSON.parse(fs.readFileSync(path.join(repoRoot, 'training', 'corpus-manifest.json'), 'utf8')) as { packages: { name: string; split: string }[] };
  const tokenizer = new Tokenizer(JSON.parse(fs.readFileSync(tokenizerFile, 'utf8')), { clean_up_tokenization_spaces: false });
  return heldOutFiles.map(({ pkg, file }) => {
    const splits = new Set(manifest.packages.filter((p) => p.name === pkg).map((p) => p.split));
    if (!splits.has('eval') || splits.has('train')) throw new Error(`${pkg} is not a held-out package in training/corpus-manifest.json`);
    const absolute = path.resolve(repoRoot, file);
    const ids = tokenizer.encode(fs.readFileSync(absolute, 'utf8'), { add_special_tokens: false }).ids;
    if (ids.length < config.contextLength - 1) throw new Error(`${absolute}: ${ids.length} tokens, fewer than a window of ${config.contextLength - 1}`);
    return [config.bosTokenId, ...ids.slice(0, config.contextLength - 1)];
  });
}

function logSoftmaxAt(logits: Float32Array, target: number): number {
  let max = -Infinity;
  for (const l of logits) max = Math.max(max, l);
  let sum = 0;
  for (const l of logits) sum += Math.exp(l - max);
  return logits[target] - max - Math.log(sum);
}

interface Accuracy {
  scoredTokens: number;
  loss: number;
  perplexity: number;
  /** Positions whose argmax equals float32's. */
  top1AgreementWithFloat32: number;
  maxAbsLogitDiff: number;
  meanAbsLogitDiff: number;
}

function accumulator() {
  return { tokens: 0, nll: 0, agree: 0, maxDiff: 0, sumDiff: 0, diffCount: 0 };
}

function summarize(a: ReturnType<typeof accumulator>): Accuracy {
  const loss = a.nll / a.tokens;
  return { scoredTokens: a.tokens, loss, perplexity: Math.exp(loss), top1AgreementWithFloat32: a.agree / a.tokens, maxAbsLogitDiff: a.maxDiff, meanAbsLogitDiff: a.sumDiff / a.diffCount };
}

async function openSession(dir: string): Promise<ort.InferenceSession> {
  return ort.InferenceSession.create(path.join(dir, 'model.onnx'), { executionProviders: ['cpu'], intraOpNumThreads: threads, interOpNumThreads: 1, graphOptimizationLevel: 'all' });
}

/** Every variant on every window, compared position by position with float32 (variant 0). */
async function onnxAccuracy(folders: { dir: string; config: ModelConfig }[], windows: number[][]): Promise<Accuracy[]> {
  const config = folders[0].config;
  const V = config.vocabSize;
  const sessions = await Promise.all(folders.map(async ({ dir }) => new DecoderSession(await openSession(dir), config)));
  const totals = folders.map(accumulator);
  for (const window of windows) {
    let reference: Float32Array | undefined;
    for (const [v, session] of sessions.entries()) {
      session.truncate(0);
      const logits = await session.forward(window);
      reference ??= logits;
      const t = totals[v];
      for (let p = 0; p + 1 < window.length; p++) {
        const row = logits.subarray(p * V, (p + 1) * V);
        const referenceRow = reference.subarray(p * V, (p + 1) * V);
        t.tokens++;
        t.nll -= logSoftmaxAt(row, window[p + 1]);
        if (argmax(row) === argmax(referenceRow)) t.agree++;
        for (let i = 0; i < V; i++) {
          const diff = Math.abs(row[i] - referenceRow[i]);
          t.maxDiff = Math.max(t.maxDiff, diff);
          t.sumDiff += diff;
        }
        t.diffCount += V;
      }
    }
  }
  await Promise.all(sessions.map((s) => s.release()));
  return totals.map(summarize);
}

/** llama.cpp's loss on the same windows, and how often its top-1 equals the ONNX float32 graph's. */
async function llamaCppLoss(llama: Llama, dir: string, config: ModelConfig, windows: number[][], float32Top1: number[][]): Promise<{ loss: number; perplexity: number; top1AgreementWithFloat32: number }> {
  const model = await llama.loadModel({ modelPath: path.join(dir, 'model.gguf') });
  const context = await model.createContext({ contextSize: config.contextLength, threads, flashAttention: false, experimentalKvCacheKeyType: 'F32', experimentalKvCacheValueType: 'F32' });
  const sequence = context.getSequence();
  let nll = 0;
  let tokens = 0;
  let agree = 0;
  for (const [w, window] of windows.entries()) {
    await sequence.clearHistory();
    const results = await sequence.controlledEvaluate(window.slice(0, -1).map((token) => [token as Token, { generateNext: { probabilities: true } }] as const));
    results.forEach((result, p) => {
      const probabilities = result!.next!.probabilities!;
      nll -= Math.log(probabilities.get(window[p + 1] as Token) ?? 0);
      const top = [...probabilities.entries()].reduce((a, b) => (b[1] > a[1] ? b : a))[0];
      if (top === float32Top1[w][p]) agree++;
      tokens++;
    });
  }
  await context.dispose();
  await model.dispose();
  return { loss: nll / tokens, perplexity: Math.exp(nll / tokens), top1AgreementWithFloat32: agree / tokens };
}

async function float32Top1(dir: string, config: ModelConfig, windows: number[][]): Promise<number[][]> {
  const session = new DecoderSession(await openSession(dir), config);
  const out: number[][] = [];
  for (const window of windows) {
    session.truncate(0);
    const logits = await session.forward(window);
    out.push(Array.from({ length: window.length - 1 }, (_, p) => argmax(logits.subarray(p * config.vocabSize, (p + 1) * config.vocabSize))));
  }
  await session.release();
  return out;
}

interface Throughput {
  promptTokensPerSecond: number;
  decodeTokensPerSecond: number;
}

const median = (values: number[]) => [...values].sort((a, b) => a - b)[Math.floor(values.length / 2)];

function medianThroughput(runs: Throughput[]): Throughput {
  return { promptTokensPerSecond: median(runs.map((r) => r.promptTokensPerSecond)), decodeTokensPerSecond: median(runs.map((r) => r.decodeTokensPerSecond)) };
}

async function onnxThroughput(dir: string, config: ModelConfig, prompt: number[]): Promise<Throughput> {
  const decoder = new DecoderSession(await openSession(dir), config);
  await decoder.forward(prompt.slice(0, 8)); // warm-up
  const runs: Throughput[] = [];
  for (let r = 0; r < repeats; r++) {
    decoder.truncate(0);
    const start = performance.now();
    const logits = await decoder.forward(prompt);
    const prefilled = performance.now();
    let token = argmax(logits.subarray(logits.length - config.vocabSize));
    for (let step = 0; step < decodeSteps; step++) {
      const next = await decoder.forward([token]);
      token = argmax(next);
    }
    const decoded = performance.now();
    runs.push({ promptTokensPerSecond: (prompt.length * 1000) / (prefilled - start), decodeTokensPerSecond: (decodeSteps * 1000) / (decoded - prefilled) });
  }
  await decoder.release();
  return medianThroughput(runs);
}

async function llamaCppThroughput(llama: Llama, dir: string, config: ModelConfig, prompt: number[]): Promise<Throughput> {
  const model = await llama.loadModel({ modelPath: path.join(dir, 'model.gguf') });
  const context = await model.createContext({ contextSize: config.contextLength, threads, flashAttention: false, experimentalKvCacheKeyType: 'F32', experimentalKvCacheValueType: 'F32' });
  const sequence = context.getSequence();
  const tokens = prompt as Token[];
  await sequence.evaluateWithoutGeneratingNewTokens(tokens.slice(0, 8)); // warm-up
  const runs: Throughput[] = [];
  for (let r = 0; r < repeats; r++) {
    await sequence.clearHistory();
    const start = performance.now();
    await sequence.evaluateWithoutGeneratingNewTokens(tokens.slice(0, -1));
    const prefilled = performance.now();
    let steps = 0;
    for await (const token of sequence.evaluate([tokens[tokens.length - 1]], { temperature: 0 })) {
      void token;
      if (++steps >= decodeSteps) break;
    }
    const decoded = performance.now();
    runs.push({ promptTokensPerSecond: ((tokens.length - 1) * 1000) / (prefilled - start), decodeTokensPerSecond: (decodeSteps * 1000) / (decoded - prefilled) });
  }
  await context.dispose();
  await model.dispose();
  return medianThroughput(runs);
}

interface Row {
  variant: string;
  onnxBytes: number;
  ggufType: string;
  ggufBytes: number;
  onnx: Accuracy & Throughput;
  llamaCpp?: Throughput & { loss: number; perplexity: number; top1AgreementWithFloat32: number };
}

async function main(): Promise<void> {
  const outIndex = process.argv.indexOf('--out');
  const loadBefore = os.loadavg()[0];
  // Graphs as users get them (the last position's logits) for speed; built with every position's for scoring.
  const folders = variants.map(({ options }) => embeddedModelFolder(options));
  const scoringFolders = variants.map(({ options }) => embeddedModelFolder({ ...options, logitRows: 'all' }));
  const config = folders[0].config;
  const windows = heldOutWindows(config, path.join(folders[0].dir, 'tokenizer.json'));
  const accuracy = await onnxAccuracy(scoringFolders, windows);

  const llamaCpp = await importEsm('node-llama-cpp');
  const llama = await llamaCpp.getLlama({ gpu: false, build: 'never', logLevel: llamaCpp.LlamaLogLevel.error });
  const reference = await float32Top1(scoringFolders[0].dir, config, windows);
  const prompt = windows[0].slice(0, promptLength);
  const rows: Row[] = [];
  for (const [v, { name, options }] of variants.entries()) {
    const { dir } = folders[v];
    const quant = options.quant ?? 'none';
    const sharesGguf = options.activations === 'float32'; // the same Q8_0/Q4_0 file as the default variant
    const onnx = await onnxThroughput(dir, config, prompt);
    const llamaRun = sharesGguf ? undefined : { ...(await llamaCppThroughput(llama, dir, config, prompt)), ...(await llamaCppLoss(llama, dir, config, windows, reference)) };
    rows.push({
      variant: name,
      onnxBytes: fs.statSync(path.join(dir, 'model.onnx')).size,
      ggufType: ggufTypes[quant],
      ggufBytes: fs.statSync(path.join(dir, 'model.gguf')).size,
      onnx: { ...accuracy[v], ...onnx },
      llamaCpp: llamaRun,
    });
  }
  await llama.dispose();
  const float32 = rows[0].onnx;
  const result = {
    date: new Date().toISOString(),
    cpu: os.cpus()[0]?.model,
    cores: os.cpus().length,
    /** 1-minute load average before and after: other processes on the machine slow both engines alike. */
    loadAverage: [loadBefore, os.loadavg()[0]],
    model: 'models/rook-moe-mini (weights read back from its float32 model.onnx)',
    threads,
    heldOut: { files: heldOutFiles.map((f) => f.file), windows: windows.length, tokensPerWindow: config.contextLength },
    promptLength,
    decodeSteps,
    repeats,
    rows: rows.map((row) => ({
      ...row,
      vsFloat32: { prompt: row.onnx.promptTokensPerSecond / float32.promptTokensPerSecond, decode: row.onnx.decodeTokensPerSecond / float32.decodeTokensPerSecond, size: row.onnxBytes / rows[0].onnxBytes },
      vsLlamaCpp: row.llamaCpp && { prompt: row.onnx.promptTokensPerSecond / row.llamaCpp.promptTokensPerSecond, decode: row.onnx.decodeTokensPerSecond / row.llamaCpp.decodeTokensPerSecond },
    })),
  };
  for (const row of result.rows) {
    const o = row.onnx;
    console.log(
      `${row.variant}: loss ${o.loss.toFixed(4)} (ppl ${o.perplexity.toFixed(2)}), top-1 = float32 ${(100 * o.top1AgreementWithFloat32).toFixed(1)}%, |Δlogit| max ${o.maxAbsLogitDiff.toFixed(3)} mean ${o.meanAbsLogitDiff.toFixed(4)}, ` +
        `onnx ${(row.onnxBytes / 1e6).toFixed(1)} MB, prompt ${o.promptTokensPerSecond.toFixed(0)} tok/s (x${row.vsFloat32.prompt.toFixed(2)} float32), decode ${o.decodeTokensPerSecond.toFixed(0)} tok/s (x${row.vsFloat32.decode.toFixed(2)} float32)` +
        (row.llamaCpp && row.vsLlamaCpp
          ? ` | llama.cpp ${row.ggufType}: loss ${row.llamaCpp.loss.toFixed(4)}, prompt ${row.llamaCpp.promptTokensPerSecond.toFixed(0)} (rook x${row.vsLlamaCpp.prompt.toFixed(2)}), decode ${row.llamaCpp.decodeTokensPerSecond.toFixed(0)} (rook x${row.vsLlamaCpp.decode.toFixed(2)})`
          : ''),
    );
  }
  if (outIndex > 0) fs.writeFileSync(process.argv[outIndex + 1], JSON.stringify(result, null, 2) + '\n');
  for (const { dir } of folders) fs.rmSync(dir, { recursive: true, force: true });
}

main().catch((error) => {
  console.error(error);
  process.exitCode = 1;
});
