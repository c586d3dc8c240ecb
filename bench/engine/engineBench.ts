/**
 * `rook bench engine`: Rook's ONNX engine against llama.cpp (node-llama-cpp, the GGUF export of the same weights)
 * on synthetic models of the families Rook runs, measured in one run: time to first token for 1k-token (and, for
 * `qwen3-1gb`, 4k-token) prompts and the prompt throughput it implies, decode tokens/s after each prompt, peak RSS
 * (each engine in its own child process, with a context just long enough for the prompt and the decoded tokens)
 * against the weights' size, and for the models that do not fit in cache, decode's share of the memory-bandwidth
 * bound measured in the same run. Float32 weights and KV cache, and for `qwen3-1gb` also int8 / int4 weights
 * (QMoE or MatMulNBits in ONNX, Q8_0 / Q4_0 in the GGUF, the same blocks). Medians.
 * Usage: node out/bench/engine/engineBench.js [--sizes embedded,grok-1gb,qwen3-1gb,deepseek-1gb,gptoss-1gb,granite-1b] [--quants none,int8,int4]
 *   [--threads 1,2] [--prompts 1024,4096] [--repetitions N] [--weights inline|external]
 *   [--attention groupQuery|headGroup] [--out FILE (default bench/engine/results.json)]
 *   (--quants, --threads, --prompts, --repetitions and --weights replace each size's own choice; --attention replaces
 *   the lowering the graph builder picks for the shape.)
 */
import { spawn } from 'node:child_process';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import * as readline from 'node:readline';
import { parseArgs } from 'node:util';
import { onnx } from 'onnx-proto';
import { buildDecoderGraph, type AttentionLowering } from '../../server/model/arch/decoder';
import { buildOnnxModel } from '../../server/model/build';
import { readModelConfig, serializeModelConfig, type ModelConfig } from '../../server/model/config';
import { externalDataFile } from '../../server/model/convert';
import { exportGguf } from '../../server/model/gguf/export';
import { Checkpoint } from '../../server/model/import/checkpoint';
import { hfGraniteMoe } from '../../server/model/import/hfGraniteMoe';
import { modelFiles } from '../../server/model/modelFiles';
import { ExternalDataWriter } from '../../server/model/onnx/externalData';
import { ggmlBlockBytes, quantBlockSize, type QuantType } from '../../server/model/quant';
import { writeSafetensors } from '../../server/model/safetensors';
import { randomDecoderWeights } from '../../server/model/synthetic';
import type { EngineName, Repetition } from './engineRun';
import { granite31A800m } from '../../test/engine/publishedConfigs';
import { median } from './median';
import { qwen3ScaledConfig } from './qwen3Scaled';
import { measureReadBandwidth } from './memoryBandwidth';

const repoRoot = path.resolve(__dirname, '../../..');
const embeddedModel = path.join(repoRoot, 'models', 'rook-moe-mini');

interface BenchSize {
  name: string;
  description: string;
  config: ModelConfig;
  quants: QuantType[];
  threads: number[];
  promptLengths: number[];
  decodeSteps: number;
  /** Repetitions at each prompt length. */
  repetitions: (promptTokens: number) => number;
  /** Whether to relate decode speed to the measured memory bandwidth (a model that does not fit in cache). */
  bandwidthBound: boolean;
  /**
   * Where `model.onnx` keeps the weights: inside it (what Rook writes below 2 GB), or in `model.onnx.data` beside it,
   * which ONNX Runtime memory-maps (what a model over 2 GB gets, or `rook convert --external-data-threshold`).
   */
  weights: WeightsLayout;
}

type WeightsLayout = 'inline' | 'external';

/** Room for a prompt and the tokens decoded after it (and the warm-up's). */
function contextFor(promptTokens: number, decodeSteps: number): number {
  return promptTokens + 2 * decodeSteps;
}

/** The shipped embedded model's shape and tokenizer with random weights; context widened for the 1k prompt. */
function embeddedSize(): BenchSize {
  const config = { ...readModelConfig(path.join(embeddedModel, modelFiles.config)), contextLength: 1152 };
  return { name: 'embedded', description: 'rook-moe-mini shape (random weights)', config, quants: ['none'], threads: [1, 2], promptLengths: [1024], decodeSteps: 64, repetitions: () => 7, bandwidthBound: false, weights: 'inline' };
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
  return { name: 'grok-1gb', description: 'Grok-1 shape scaled to ~1 GB fp32 (random weights)', config, quants: ['none'], threads: [1, 2], promptLengths: [1024], decodeSteps: 32, repetitions: () => 5, bandwidthBound: true, weights: 'inline' };
}

/**
 * Qwen3-30B-A3B (hidden 2048, 48 layers, 32 query / 4 KV heads of 128, 128 experts top-8 of FFN 768, vocab 151936,
 * untied output) scaled down to ~0.97 GB of fp32 weights, keeping what shapes the MoE and attention work: 128
 * experts, top-8 with renormalized gates, SwiGLU, per-head q/k RMSNorm, heads of 128, 8 query heads per KV head,
 * query width twice the hidden size (4096/2048) and expert FFN 3/8 of it (768/2048). Hidden 512 (FFN 192, 8 query
 * heads, 1 KV head) and 6 layers put 94% of the weights in the experts (Qwen3-30B-A3B: 95%); the embedded model's
 * 8192-token vocabulary keeps the embedding and output at 3%. Weights in `model.onnx.data`, as Qwen3-30B-A3B's own
 * conversion (60 GB in bf16) has them.
 */
function qwen3Size(): BenchSize {
  const embedded = embeddedSize().config;
  const promptLengths = [1024, 4096];
  const decodeSteps = 32;
  const config = qwen3ScaledConfig(embedded, 6, contextFor(Math.max(...promptLengths), decodeSteps));
  return {
    name: 'qwen3-1gb',
    description: 'Qwen3-30B-A3B shape scaled to ~1 GB fp32 (random weights), float32 / int8 / int4',
    config,
    quants: ['none', 'int8', 'int4'],
    threads: [1],
    promptLengths,
    decodeSteps,
    repetitions: (promptTokens) => (promptTokens > 1024 ? 3 : 5),
    bandwidthBound: true,
    weights: 'external',
  };
}

const attentionPrompts = [1024, 4096];
const attentionDecodeSteps = 32;

/**
 * A size that measures a family's attention over long prompts: float32 weights in `model.onnx.data`, 1 thread, 1k and
 * 4k prompts (5 and 3 repetitions), 32 decoded tokens.
 */
function attentionSize(name: string, description: string, config: ModelConfig): BenchSize {
  return {
    name,
    description,
    config,
    quants: ['none'],
    threads: [1],
    promptLengths: attentionPrompts,
    decodeSteps: attentionDecodeSteps,
    repetitions: (promptTokens) => (promptTokens > 1024 ? 3 : 5),
    bandwidthBound: false,
    weights: 'external',
  };
}

/**
 * DeepSeek-V2-Lite's latent attention at its real size (16 heads of 128 unrotated + 64 rotated dims, a 512-wide latent,
 * values of 128, YaRN 40x over 4,096 positions with mscale 0.707) on a scaled-down MoE: hidden 1024, 4 layers of which
 * the first is dense, 64 experts top-6 of FFN 352 with 2 shared (V2-Lite: 2048 wide, 27 layers, FFN 1408). About
 * 1.1 GB of fp32 weights. What it measures is the attention over a long cache, where the absorbed form reads
 * 576-float latent rows instead of 16 decompressed heads.
 */
function deepseekSize(): BenchSize {
  const embedded = embeddedSize().config;
  const hiddenSize = 1024;
  const ropeScalingFactor = 40;
  const config: ModelConfig = {
    ...embedded,
    architecture: 'deepseek_v2',
    hiddenSize,
    numLayers: 4,
    numHeads: 16,
    numKvHeads: 16,
    headDim: 192,
    kvLoraRank: 512,
    ropeHeadDim: 64,
    vHeadDim: 128,
    numExperts: 64,
    numExpertsPerToken: 6,
    expertFfnSize: 352,
    sharedExpertFfnSize: 2 * 352,
    denseLayers: 1,
    denseFfnSize: 2816,
    contextLength: contextFor(Math.max(...attentionPrompts), attentionDecodeSteps),
    rmsNormEps: 1e-6,
    ropeBase: 10000,
    ropeScalingFactor,
    ropeOriginalContext: 4096,
    ropeAttentionFactor: 1,
    expertActivation: 'swiglu',
    normPlacement: 'pre',
    routerRenormalize: false,
    routedScalingFactor: 1,
    embeddingMultiplier: 1,
    outputMultiplier: 1,
    attentionScale: (0.1 * 0.707 * Math.log(ropeScalingFactor) + 1) ** 2 / Math.sqrt(192),
    attentionSoftcap: 0,
    routerSoftcap: 0,
    tiedOutput: false,
  };
  return attentionSize('deepseek-1gb', 'DeepSeek-V2-Lite latent attention at full size on a ~1 GB fp32 MoE (random weights)', config);
}

/**
 * gpt-oss-20b's attention on a scaled-down MoE: 8 query heads a KV head, heads of 64 (16 query / 2 KV: a quarter of
 * gpt-oss-20b's 64 / 8, to keep 4k prompts within minutes), a sink logit a head, biases on q/k/v/o, YaRN 32x over 4,096
 * positions, and a 128-position sliding window on every other layer; 32 experts top-4 of clamped SwiGLU with biases.
 * Hidden 512 (FFN 512, as gpt-oss's FFN equals its hidden size), 8 layers: ~1 GB of fp32 weights. What it measures is
 * decoding after a long prompt, where the windowed layers need only their last 128 positions.
 */
function gptOssSize(): BenchSize {
  const embedded = embeddedSize().config;
  const hiddenSize = 512;
  const config: ModelConfig = {
    ...embedded,
    architecture: 'gpt_oss',
    hiddenSize,
    numLayers: 8,
    numHeads: 16,
    numKvHeads: 2,
    headDim: 64,
    numExperts: 32,
    numExpertsPerToken: 4,
    expertFfnSize: hiddenSize,
    contextLength: contextFor(Math.max(...attentionPrompts), attentionDecodeSteps),
    rmsNormEps: 1e-5,
    ropeBase: 150000,
    ropeScalingFactor: 32,
    ropeOriginalContext: 4096,
    expertActivation: 'swiglu_clamped',
    swigluLimit: 7,
    expertBias: true,
    attentionBias: true,
    attentionOutputBias: true,
    attentionSinks: true,
    slidingWindow: 128,
    slidingWindowPattern: 2,
    normPlacement: 'pre',
    routerRenormalize: true,
    embeddingMultiplier: 1,
    outputMultiplier: 1,
    attentionScale: 1 / 8,
    attentionSoftcap: 0,
    routerSoftcap: 0,
    tiedOutput: false,
    qkNorm: 'none',
  };
  return attentionSize('gptoss-1gb', "gpt-oss-20b's attention (sinks, a 128-position window on alternate layers) on a ~1 GB fp32 MoE (random weights)", config);
}

/**
 * A published model's layers at their real size: ibm-granite/granite-3.1-1b-a400m's sizes (24 layers, hidden
 * 1024, 16 query / 8 KV heads of 64, 32 experts top-8 of FFN 512), read by Rook's own Granite import as `rook convert`
 * reads it, with the embedded model's 8,192-token vocabulary in place of its 49,155 (the GGUF carries the bench's
 * tokenizer; 33M fewer embedding parameters, none of them read per token but the output's). 1.29B parameters,
 * 0.41B active a token: what the scaled-down sizes cannot show is a model whose weights dwarf the runtime.
 */
function graniteSize(): BenchSize {
  // granite-3.1-1b-a400m's sizes on the 3b-a800m's config.json: their other fields (multipliers) do not change the work.
  const published = { ...granite31A800m, hidden_size: 1024, num_attention_heads: 16, num_hidden_layers: 24, num_local_experts: 32 };
  const embedded = embeddedSize().config;
  const promptLengths = [1024];
  const decodeSteps = 32;
  const config: ModelConfig = {
    ...hfGraniteMoe.modelConfig(published, 'config.json'),
    vocabSize: embedded.vocabSize,
    bosTokenId: embedded.bosTokenId,
    eosTokenId: embedded.eosTokenId,
    padTokenId: embedded.padTokenId,
    fim: embedded.fim,
    contextLength: contextFor(Math.max(...promptLengths), decodeSteps),
  };
  return {
    name: 'granite-1b',
    description: "granite-3.1-1b-a400m's layers at full size (random weights, the embedded vocabulary), int8 / int4",
    config,
    quants: ['int8', 'int4'],
    threads: [1],
    promptLengths,
    decodeSteps,
    repetitions: () => 3,
    bandwidthBound: true,
    weights: 'external',
  };
}

/** Builds `model.onnx` (its weights inside it or in `model.onnx.data`) and `model.gguf`, both quantized as `quant`. */
function buildVariant(dir: string, config: ModelConfig, quant: QuantType, layout: WeightsLayout, attention?: AttentionLowering): void {
  for (const file of [modelFiles.onnx, externalDataFile]) fs.rmSync(path.join(dir, file), { force: true });
  if (layout === 'inline') buildOnnxModel(dir, { quant, attention });
  else {
    const weightsFile = path.join(dir, modelFiles.weights);
    const writer = new ExternalDataWriter(path.join(dir, externalDataFile));
    try {
      const graph = buildDecoderGraph(config, Checkpoint.open(dir), weightsFile, { quant, attention, externalData: writer });
      fs.writeFileSync(path.join(dir, modelFiles.onnx), graph.serialize(`rook-${config.architecture}`));
    } finally {
      writer.close();
    }
  }
  exportGguf(dir, { quant });
}

function writeModelFolder(dir: string, config: ModelConfig): void {
  fs.mkdirSync(dir, { recursive: true });
  fs.writeFileSync(path.join(dir, modelFiles.config), JSON.stringify(serializeModelConfig(config), null, 2));
  fs.copyFileSync(path.join(embeddedModel, modelFiles.tokenizer), path.join(dir, modelFiles.tokenizer));
  writeSafetensors(path.join(dir, modelFiles.weights), randomDecoderWeights(config, 1));
}

/** Bytes one weight of a linear layer takes at `quant` (llama.cpp's Q8_0 / Q4_0 blocks: an fp16 scale per 32). */
function linearWeightBytes(quant: QuantType): number {
  return quant === 'none' ? 4 : ggmlBlockBytes[quant === 'int8' ? 8 : 4] / quantBlockSize;
}

/**
 * Weight bytes one decoded token reads: everything but the experts the router did not pick (both engines dispatch
 * sparsely): attention, router, norms, the top-k experts, and the output matrix whole.
 */
function activeWeightBytes(config: ModelConfig, quant: QuantType): number {
  const { hiddenSize: d, numHeads, numKvHeads, headDim, numExperts, numExpertsPerToken, expertFfnSize, vocabSize, numLayers } = config;
  const linear = linearWeightBytes(quant);
  const norms = (config.normPlacement === 'sandwich' ? 4 : 2) * d + (config.qkNorm === 'head' ? 2 * headDim : 0);
  const attention = 2 * d * numHeads * headDim + 2 * d * numKvHeads * headDim;
  const perLayer = 4 * (norms + numExperts * d) + linear * (attention + numExpertsPerToken * 3 * d * expertFfnSize);
  return numLayers * perLayer + 4 * (d + vocabSize * d); // the output matrix stays float32
}

/** Nodes of the built graph: all of them, and those of the MoE blocks (`/layers.N/moe/...`). */
function graphNodeCounts(file: string): { total: number; moe: number } {
  const nodes = onnx.ModelProto.decode(fs.readFileSync(file)).graph?.node ?? [];
  return { total: nodes.length, moe: nodes.filter((node) => /^\/layers\.\d+\/moe\//.test(node.name ?? '')).length };
}

interface EngineChild {
  loadMs: number;
  runtimeRssBytes: number;
  repetition(promptTokens: number): Promise<Repetition>;
  /** Ends the child; resolves to its peak RSS in bytes. */
  end(): Promise<number>;
}

async function startEngine(engine: EngineName, dir: string, threads: number, contextLength: number, decodeSteps: number): Promise<EngineChild> {
  const script = path.join(__dirname, 'engineRun.js');
  const child = spawn(process.execPath, [script, engine, dir, String(threads), String(contextLength), String(decodeSteps)], { stdio: ['pipe', 'pipe', 'inherit'] });
  const lines = readline.createInterface({ input: child.stdout })[Symbol.asyncIterator]();
  const receive = async <T>(): Promise<T> => {
    const line = await lines.next();
    if (line.done) throw new Error(`${engine} child exited early (see its error above)`);
    return JSON.parse(line.value) as T;
  };
  const { loadMs, runtimeRssBytes } = await receive<{ loadMs: number; runtimeRssBytes: number }>();
  return {
    loadMs,
    runtimeRssBytes,
    repetition(promptTokens) {
      child.stdin.write(`rep ${promptTokens}\n`);
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
function summarize(promptTokens: number, decodeSteps: number, repetitions: Repetition[]) {
  const timeToFirstTokenMs = median(repetitions.map((rep) => rep.timeToFirstTokenMs));
  return {
    timeToFirstTokenMs,
    promptTokensPerSecond: (promptTokens * 1000) / timeToFirstTokenMs,
    decodeTokensPerSecond: median(repetitions.map((rep) => (decodeSteps * 1000) / rep.decodeMs)),
    promptTokensPerCpuSecond: median(repetitions.map((rep) => (promptTokens * 1000) / rep.promptCpuMs)),
    decodeTokensPerCpuSecond: median(repetitions.map((rep) => (decodeSteps * 1000) / rep.decodeCpuMs)),
    repetitions,
  };
}

/**
 * Both engines loaded side by side for one prompt length, with a context just long enough for it (each engine's KV
 * cache is sized by its context), their repetitions alternated.
 */
async function compareEngines(dir: string, threads: number, promptTokens: number, decodeSteps: number, repetitions: number) {
  const contextLength = contextFor(promptTokens, decodeSteps);
  const rook = await startEngine('rook', dir, threads, contextLength, decodeSteps);
  const llamaCpp = await startEngine('llama.cpp', dir, threads, contextLength, decodeSteps);
  const rookReps: Repetition[] = [];
  const llamaCppReps: Repetition[] = [];
  for (let rep = 0; rep < repetitions; rep++) {
    rookReps.push(await rook.repetition(promptTokens));
    llamaCppReps.push(await llamaCpp.repetition(promptTokens));
  }
  return {
    rook: { ...summarize(promptTokens, decodeSteps, rookReps), loadMs: rook.loadMs, runtimeRssMiB: rook.runtimeRssBytes / 2 ** 20, peakRssMiB: (await rook.end()) / 2 ** 20 },
    llamaCpp: { ...summarize(promptTokens, decodeSteps, llamaCppReps), loadMs: llamaCpp.loadMs, runtimeRssMiB: llamaCpp.runtimeRssBytes / 2 ** 20, peakRssMiB: (await llamaCpp.end()) / 2 ** 20 },
  };
}

interface Overrides {
  quants?: QuantType[];
  threads?: number[];
  promptLengths?: number[];
  repetitions?: number;
  weights?: WeightsLayout;
  attention?: AttentionLowering;
}

async function benchSize(size: BenchSize, root: string, overrides: Overrides) {
  const dir = path.join(root, size.name);
  const quants = overrides.quants ?? size.quants;
  const threadCounts = overrides.threads ?? size.threads;
  const promptLengths = overrides.promptLengths ?? size.promptLengths;
  const repetitions = overrides.repetitions ? () => overrides.repetitions! : size.repetitions;
  const layout = overrides.weights ?? size.weights;
  const config = { ...size.config, contextLength: Math.max(size.config.contextLength, contextFor(Math.max(...promptLengths), size.decodeSteps)) };
  const buildStart = performance.now();
  writeModelFolder(dir, config);
  const floatBytes = fs.statSync(path.join(dir, modelFiles.weights)).size;
  console.log(`${size.name}: ${(floatBytes / 2 ** 20).toFixed(0)} MiB of float32 weights, written in ${((performance.now() - buildStart) / 1000).toFixed(0)} s`);
  const variants = [];
  for (const quant of quants) {
    const variantStart = performance.now();
    buildVariant(dir, config, quant, layout, overrides.attention);
    const onnxBytes = fs.statSync(path.join(dir, modelFiles.onnx)).size + (layout === 'external' ? fs.statSync(path.join(dir, externalDataFile)).size : 0);
    const ggufBytes = fs.statSync(path.join(dir, modelFiles.gguf)).size;
    const nodes = graphNodeCounts(path.join(dir, modelFiles.onnx));
    const label = `${size.name} ${quant === 'none' ? 'float32' : quant}`;
    console.log(
      `${label}: model.onnx ${(onnxBytes / 2 ** 20).toFixed(0)} MiB (weights ${layout}; ${nodes.total} nodes, ${nodes.moe} in the MoE blocks), ` +
        `model.gguf ${(ggufBytes / 2 ** 20).toFixed(0)} MiB, built in ${((performance.now() - variantStart) / 1000).toFixed(0)} s`,
    );
    const activeBytes = activeWeightBytes(config, quant);
    const rows = [];
    for (const threads of threadCounts) {
      const bandwidth = size.bandwidthBound ? await measureReadBandwidth(threads) : undefined;
      const share = (tokensPerSecond: number, bytesPerSecond: number | undefined) => (bytesPerSecond ? (activeBytes * tokensPerSecond) / bytesPerSecond : undefined);
      for (const promptTokens of promptLengths) {
        const { rook, llamaCpp } = await compareEngines(dir, threads, promptTokens, size.decodeSteps, repetitions(promptTokens));
        const withShares = (engine: typeof rook) => ({
          ...engine,
          bandwidthShare: share(engine.decodeTokensPerSecond, bandwidth?.perSecond),
          bandwidthSharePerCpuSecond: share(engine.decodeTokensPerCpuSecond, bandwidth?.perCpuSecond),
        });
        const row = {
          threads,
          promptTokens,
          contextLength: contextFor(promptTokens, size.decodeSteps),
          rook: withShares(rook),
          llamaCpp: withShares(llamaCpp),
          promptRatio: rook.promptTokensPerSecond / llamaCpp.promptTokensPerSecond,
          decodeRatio: rook.decodeTokensPerSecond / llamaCpp.decodeTokensPerSecond,
          promptRatioPerCpuSecond: rook.promptTokensPerCpuSecond / llamaCpp.promptTokensPerCpuSecond,
          decodeRatioPerCpuSecond: rook.decodeTokensPerCpuSecond / llamaCpp.decodeTokensPerCpuSecond,
          peakRssRatio: rook.peakRssMiB / llamaCpp.peakRssMiB,
          rookPeakRssOverWeights: (rook.peakRssMiB * 2 ** 20) / ggufBytes,
          llamaCppPeakRssOverWeights: (llamaCpp.peakRssMiB * 2 ** 20) / ggufBytes,
          // What the model adds to each engine's runtime: a real model's weights dwarf the runtime, a 1 GB one's do not.
          rookModelRssOverWeights: ((rook.peakRssMiB - rook.runtimeRssMiB) * 2 ** 20) / ggufBytes,
          llamaCppModelRssOverWeights: ((llamaCpp.peakRssMiB - llamaCpp.runtimeRssMiB) * 2 ** 20) / ggufBytes,
          readBandwidthGBps: bandwidth && bandwidth.perSecond / 1e9,
          readBandwidthGBpsPerCpuSecond: bandwidth && bandwidth.perCpuSecond / 1e9,
        };
        rows.push(row);
        const versus = (a: number, b: number, digits = 0) => `${a.toFixed(digits)} vs ${b.toFixed(digits)}`;
        const percent = (value: number | undefined) => `${(100 * value!).toFixed(0)}%`;
        console.log(
          `${label}, ${threads} thread(s), rook vs llama.cpp: TTFT(${promptTokens}) ${versus(rook.timeToFirstTokenMs, llamaCpp.timeToFirstTokenMs)} ms, ` +
            `prompt ${versus(rook.promptTokensPerSecond, llamaCpp.promptTokensPerSecond)} tok/s (x${row.promptRatio.toFixed(2)}; per CPU s x${row.promptRatioPerCpuSecond.toFixed(2)}), ` +
            `decode ${versus(rook.decodeTokensPerSecond, llamaCpp.decodeTokensPerSecond, 1)} tok/s (x${row.decodeRatio.toFixed(2)}; ` +
            `per CPU s ${versus(rook.decodeTokensPerCpuSecond, llamaCpp.decodeTokensPerCpuSecond, 1)}, x${row.decodeRatioPerCpuSecond.toFixed(2)}), ` +
            `peak RSS ${versus(rook.peakRssMiB, llamaCpp.peakRssMiB)} MiB (x${row.peakRssRatio.toFixed(2)}; ${row.rookPeakRssOverWeights.toFixed(2)} vs ${row.llamaCppPeakRssOverWeights.toFixed(2)} x the weights; above the runtime's ${rook.runtimeRssMiB.toFixed(0)} vs ${llamaCpp.runtimeRssMiB.toFixed(0)} MiB: ` +
            `${row.rookModelRssOverWeights.toFixed(2)} vs ${row.llamaCppModelRssOverWeights.toFixed(2)} x), ` +
            `load ${versus(rook.loadMs, llamaCpp.loadMs)} ms` +
            (bandwidth
              ? `; read bandwidth ${(bandwidth.perSecond / 1e9).toFixed(1)} GB/s (per CPU s ${(bandwidth.perCpuSecond / 1e9).toFixed(1)}), ` +
                `decode at ${percent(row.rook.bandwidthShare)} vs ${percent(row.llamaCpp.bandwidthShare)} of its bound (per CPU s ${percent(row.rook.bandwidthSharePerCpuSecond)} vs ${percent(row.llamaCpp.bandwidthSharePerCpuSecond)})`
              : ''),
        );
      }
    }
    variants.push({ quant, weights: layout, attention: overrides.attention ?? 'headGroup', onnxBytes, ggufBytes, graphNodes: nodes.total, moeNodes: nodes.moe, activeWeightBytesPerToken: activeBytes, rows });
  }
  fs.rmSync(dir, { recursive: true, force: true });
  return { name: size.name, description: size.description, shape: config, floatWeightsBytes: floatBytes, decodeSteps: size.decodeSteps, variants };
}

const list = (value: string | undefined) => value?.split(',').filter(Boolean);

async function main(): Promise<void> {
  const { values } = parseArgs({
    options: {
      sizes: { type: 'string', default: 'embedded,grok-1gb,qwen3-1gb' },
      quants: { type: 'string' },
      threads: { type: 'string' },
      prompts: { type: 'string' },
      repetitions: { type: 'string' },
      weights: { type: 'string' },
      attention: { type: 'string' },
      out: { type: 'string', default: path.join(repoRoot, 'bench', 'engine', 'results.json') },
    },
  });
  const wanted = list(values.sizes)!;
  const sizes = [embeddedSize(), grokSize(), qwen3Size(), deepseekSize(), gptOssSize(), graniteSize()].filter((size) => wanted.includes(size.name));
  const unknown = wanted.filter((name) => !sizes.some((size) => size.name === name));
  if (unknown.length) throw new Error(`unknown size(s) ${unknown.join(', ')}: expected embedded, grok-1gb, qwen3-1gb, deepseek-1gb, gptoss-1gb, granite-1b`);
  const quants = list(values.quants) as QuantType[] | undefined;
  if (quants?.some((quant) => !['none', 'int8', 'int4'].includes(quant))) throw new Error(`--quants takes none, int8, int4`);
  const overrides: Overrides = {
    quants,
    threads: list(values.threads)?.map(Number),
    promptLengths: list(values.prompts)?.map(Number),
    repetitions: values.repetitions ? Number(values.repetitions) : undefined,
    weights: values.weights as WeightsLayout | undefined,
    attention: values.attention as AttentionLowering | undefined,
  };
  if (overrides.attention && !['groupQuery', 'headGroup'].includes(overrides.attention)) throw new Error('--attention takes groupQuery or headGroup');
  if (overrides.weights && !['inline', 'external'].includes(overrides.weights)) throw new Error('--weights takes inline or external');
  const root = fs.mkdtempSync(path.join(os.tmpdir(), 'rook-bench-'));
  const loadAverageBefore = os.loadavg();
  try {
    const results = [];
    for (const size of sizes) results.push(await benchSize(size, root, overrides));
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
