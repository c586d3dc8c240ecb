/**
 * `rook bench engine`: Rook's ONNX engine against llama.cpp (node-llama-cpp, the GGUF export of the same weights)
 * on the same synthetic Grok-family models, fp32 weights and KV cache, 1 and 2 threads, measured in one run:
 * time to first token for a 1k-token prompt (and the prompt throughput it implies), decode tokens/s after it,
 * peak RSS (each engine in its own child process), and for the model that does not fit in cache, decode's share
 * of the memory-bandwidth bound measured in the same run. Medians of several repetitions.
 * Usage: node out/bench/engine/engineBench.js [--sizes embedded,grok-1gb] [--out FILE (default bench/engine/results.json)]
 */
import { spawn } from 'node:child_process';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import * as readline from 'node:readline';
import { parseArgs } from 'node:util';
import { buildOnnxModel } from '../../server/model/build';
import { readModelConfig, serializeModelConfig, type ModelConfig } from '../../server/model/config';
import { exportGguf } from '../../server/model/gguf/export';
import { modelFiles } from '../../server/model/modelFiles';
import { writeSafetensors } from '../../server/model/safetensors';
import { randomDecoderWeights } from '../../server/model/synthetic';
import type { EngineName, Repetition } from './engineRun';
import { median } from './median';
import { measureReadBandwidth } from './memoryBandwidth';

const repoRoot = path.resolve(__dirname, '../../..');
const embeddedModel = path.join(repoRoot, 'models', 'rook-moe-mini');
const promptTokens = 1024;
/** Room for the 1k-token prompt and the decoded tokens after it. */
const contextLength = 1152;
const threadCounts = [1, 2];

interface BenchSize {
  name: string;
  description: string;
  config: ModelConfig;
  decodeSteps: number;
  repetitions: number;
  /** Whether to relate decode speed to the measured memory bandwidth (a model that does not fit in cache). */
  bandwidthBound: boolean;
}

/** The shipped embedded model's shape and tokenizer with random weights; context widened for the 1k prompt. */
function embeddedSize(): BenchSize {
  const config = { ...readModelConfig(path.join(embeddedModel, modelFiles.config)), contextLength };
  return { name: 'embedded', description: 'rook-moe-mini shape (random weights)', config, decodeSteps: 64, repetitions: 7, bandwidthBound: false };
}

/**
 * Grok-1 scaled down to ~0.95 GB of fp32 weights: 128-wide heads with 6 query heads per KV head (48/8 in Grok-1),
 * 8 experts top-2, expert FFN 16/3 of the width (32768/6144), sandwich norms, GeGLU, soft-caps, Grok's multipliers.
 */
function grokSize(): BenchSize {
  const embedded = embeddedSize().config;
  const hiddenSize = 768;
  const config: ModelConfig = {
    ...embedded,
    hiddenSize,
    numLayers: 3,
    numHeads: 6,
    numKvHeads: 1,
    headDim: 128,
    numExperts: 8,
    numExpertsPerToken: 2,
    expertFfnSize: (hiddenSize * 16) / 3,
    embeddingMultiplier: Math.sqrt(hiddenSize),
    attentionScale: 1 / Math.sqrt(128),
    routerRenormalize: false,
  };
  return { name: 'grok-1gb', description: 'Grok-1 shape scaled to ~1 GB fp32 (random weights)', config, decodeSteps: 32, repetitions: 5, bandwidthBound: true };
}

function writeModelFolder(dir: string, config: ModelConfig): void {
  fs.mkdirSync(dir, { recursive: true });
  fs.writeFileSync(path.join(dir, modelFiles.config), JSON.stringify(serializeModelConfig(config), null, 2));
  fs.copyFileSync(path.join(embeddedModel, modelFiles.tokenizer), path.join(dir, modelFiles.tokenizer));
  writeSafetensors(path.join(dir, modelFiles.weights), randomDecoderWeights(config, 1));
  buildOnnxModel(dir);
  exportGguf(dir);
}

/** Weight bytes one decoded token reads: everything but the experts the router did not pick (both engines dispatch sparsely). */
function activeWeightBytes(config: ModelConfig): number {
  const { hiddenSize: d, numHeads, numKvHeads, headDim, numExperts, numExpertsPerToken, expertFfnSize, vocabSize, numLayers } = config;
  const norms = (config.normPlacement === 'sandwich' ? 4 : 2) * d;
  const attention = 2 * d * numHeads * headDim + 2 * d * numKvHeads * headDim;
  const perLayer = norms + attention + numExperts * d + numExpertsPerToken * 3 * d * expertFfnSize;
  const output = vocabSize * d + (config.tiedOutput ? 0 : d); // the tied embedding read whole as the output matrix
  return 4 * (numLayers * perLayer + d + output);
}

interface EngineChild {
  loadMs: number;
  repetition(): Promise<Repetition>;
  /** Ends the child; resolves to its peak RSS in bytes. */
  end(): Promise<number>;
}

async function startEngine(engine: EngineName, dir: string, threads: number, decodeSteps: number): Promise<EngineChild> {
  const script = path.join(__dirname, 'engineRun.js');
  const child = spawn(process.execPath, [script, engine, dir, String(threads), String(promptTokens), String(decodeSteps)], { stdio: ['pipe', 'pipe', 'inherit'] });
  const lines = readline.createInterface({ input: child.stdout })[Symbol.asyncIterator]();
  const receive = async <T>(): Promise<T> => {
    const line = await lines.next();
    if (line.done) throw new Error(`${engine} child exited early (see its error above)`);
    return JSON.parse(line.value) as T;
  };
  const { loadMs } = await receive<{ loadMs: number }>();
  return {
    loadMs,
    repetition() {
      child.stdin.write('rep\n');
      return receive<Repetition>();
    },
    async end() {
      child.stdin.end('end\n');
      return (await receive<{ peakRssBytes: number }>()).peakRssBytes;
    },
  };
}

/**
 * Medians over the repetitions. Rates come two ways: per wall-clock second (what a user waits) and per second of
 * the engine process's CPU time (all its threads), which a busy machine disturbs far less.
 */
function summarize(loadMs: number, repetitions: Repetition[], decodeSteps: number, peakRssBytes: number) {
  const timeToFirstTokenMs = median(repetitions.map((rep) => rep.timeToFirstTokenMs));
  return {
    timeToFirstTokenMs,
    promptTokensPerSecond: (promptTokens * 1000) / timeToFirstTokenMs,
    decodeTokensPerSecond: median(repetitions.map((rep) => (decodeSteps * 1000) / rep.decodeMs)),
    promptTokensPerCpuSecond: median(repetitions.map((rep) => (promptTokens * 1000) / rep.promptCpuMs)),
    decodeTokensPerCpuSecond: median(repetitions.map((rep) => (decodeSteps * 1000) / rep.decodeCpuMs)),
    peakRssMiB: peakRssBytes / 2 ** 20,
    loadMs,
    repetitions,
  };
}

/** Both engines loaded side by side, their repetitions alternated. */
async function compareEngines(dir: string, threads: number, size: BenchSize) {
  const rook = await startEngine('rook', dir, threads, size.decodeSteps);
  const llamaCpp = await startEngine('llama.cpp', dir, threads, size.decodeSteps);
  const rookReps: Repetition[] = [];
  const llamaCppReps: Repetition[] = [];
  for (let rep = 0; rep < size.repetitions; rep++) {
    rookReps.push(await rook.repetition());
    llamaCppReps.push(await llamaCpp.repetition());
  }
  return {
    rook: summarize(rook.loadMs, rookReps, size.decodeSteps, await rook.end()),
    llamaCpp: summarize(llamaCpp.loadMs, llamaCppReps, size.decodeSteps, await llamaCpp.end()),
  };
}

async function benchSize(size: BenchSize, root: string) {
  const dir = path.join(root, size.name);
  const buildStart = performance.now();
  writeModelFolder(dir, size.config);
  const weightsBytes = fs.statSync(path.join(dir, modelFiles.weights)).size;
  console.log(`${size.name}: ${(weightsBytes / 2 ** 20).toFixed(0)} MiB of weights, built in ${((performance.now() - buildStart) / 1000).toFixed(0)} s`);
  const activeBytes = activeWeightBytes(size.config);
  const rows = [];
  for (const threads of threadCounts) {
    const { rook, llamaCpp } = await compareEngines(dir, threads, size);
    const bandwidth = size.bandwidthBound ? await measureReadBandwidth(threads) : undefined;
    const share = (tokensPerSecond: number, bytesPerSecond: number | undefined) => (bytesPerSecond ? (activeBytes * tokensPerSecond) / bytesPerSecond : undefined);
    const withShares = (engine: typeof rook) => ({
      ...engine,
      bandwidthShare: share(engine.decodeTokensPerSecond, bandwidth?.perSecond),
      bandwidthSharePerCpuSecond: share(engine.decodeTokensPerCpuSecond, bandwidth?.perCpuSecond),
    });
    const row = {
      threads,
      rook: withShares(rook),
      llamaCpp: withShares(llamaCpp),
      readBandwidthGBps: bandwidth && bandwidth.perSecond / 1e9,
      readBandwidthGBpsPerCpuSecond: bandwidth && bandwidth.perCpuSecond / 1e9,
      promptRatio: rook.promptTokensPerSecond / llamaCpp.promptTokensPerSecond,
      decodeRatio: rook.decodeTokensPerSecond / llamaCpp.decodeTokensPerSecond,
      promptRatioPerCpuSecond: rook.promptTokensPerCpuSecond / llamaCpp.promptTokensPerCpuSecond,
      decodeRatioPerCpuSecond: rook.decodeTokensPerCpuSecond / llamaCpp.decodeTokensPerCpuSecond,
    };
    rows.push(row);
    const versus = (a: number, b: number, digits = 0) => `${a.toFixed(digits)} vs ${b.toFixed(digits)}`;
    const percent = (value: number | undefined) => `${(100 * value!).toFixed(0)}%`;
    console.log(
      `${size.name}, ${threads} thread(s), rook vs llama.cpp: TTFT(${promptTokens}) ${versus(rook.timeToFirstTokenMs, llamaCpp.timeToFirstTokenMs)} ms, ` +
        `prompt ${versus(rook.promptTokensPerSecond, llamaCpp.promptTokensPerSecond)} tok/s (x${row.promptRatio.toFixed(2)}; per CPU s x${row.promptRatioPerCpuSecond.toFixed(2)}), ` +
        `decode ${versus(rook.decodeTokensPerSecond, llamaCpp.decodeTokensPerSecond, 1)} tok/s (x${row.decodeRatio.toFixed(2)}; ` +
        `per CPU s ${versus(rook.decodeTokensPerCpuSecond, llamaCpp.decodeTokensPerCpuSecond, 1)}, x${row.decodeRatioPerCpuSecond.toFixed(2)}), ` +
        `peak RSS ${versus(rook.peakRssMiB, llamaCpp.peakRssMiB)} MiB` +
        (bandwidth
          ? `; read bandwidth ${(bandwidth.perSecond / 1e9).toFixed(1)} GB/s (per CPU s ${(bandwidth.perCpuSecond / 1e9).toFixed(1)}), ` +
            `decode at ${percent(row.rook.bandwidthShare)} vs ${percent(row.llamaCpp.bandwidthShare)} of its bound (per CPU s ${percent(row.rook.bandwidthSharePerCpuSecond)} vs ${percent(row.llamaCpp.bandwidthSharePerCpuSecond)})`
          : ''),
    );
  }
  fs.rmSync(dir, { recursive: true, force: true });
  return { name: size.name, description: size.description, shape: size.config, weightsBytes, activeWeightBytesPerToken: activeBytes, promptTokens, decodeSteps: size.decodeSteps, repetitions: size.repetitions, rows };
}

async function main(): Promise<void> {
  const { values } = parseArgs({
    options: {
      sizes: { type: 'string', default: 'embedded,grok-1gb' },
      out: { type: 'string', default: path.join(repoRoot, 'bench', 'engine', 'results.json') },
    },
  });
  const wanted = values.sizes!.split(',');
  const sizes = [embeddedSize(), grokSize()].filter((size) => wanted.includes(size.name));
  const root = fs.mkdtempSync(path.join(os.tmpdir(), 'rook-bench-'));
  const loadAverageBefore = os.loadavg();
  try {
    const results = [];
    for (const size of sizes) results.push(await benchSize(size, root));
    const machine = { cpu: os.cpus()[0]?.model, cpus: os.cpus().length, memoryBytes: os.totalmem(), loadAverageBefore, loadAverageAfter: os.loadavg() };
    fs.writeFileSync(values.out!, JSON.stringify({ date: new Date().toISOString(), machine, sizes: results }, null, 2) + '\n');
  } finally {
    fs.rmSync(root, { recursive: true, force: true });
  }
}

main().catch((error) => {
  console.error(error);
  process.exitCode = 1;
});
