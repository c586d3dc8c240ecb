/**
 * One step of `rook bench gguf`, alone in its process so that its peak RSS (VmHWM) is its own:
 *   write <dir> <layers>                       a Qwen3-MoE-shaped Q8_0 GGUF (`dir/model.gguf`) from random weights
 *   convert <file.gguf> <out> <threshold>      Rook's conversion, as `rook convert FILE OUT --quant match` runs it
 *   rook <dir> <threads> <prompt> <steps>      Rook's engine on a converted folder: load to first token, decode
 *   llama.cpp <file.gguf> <threads> <prompt> <steps>   the same in llama.cpp (node-llama-cpp) on the GGUF itself
 * Prints one JSON line: times in ms (load times from the process's start), `rss` after load as /proc/self/status has it (RssAnon: memory the process
 * allocated; RssFile: pages of mapped files, such as weights used in place), and `peakRssBytes` (VmHWM) at the end.
 */
import * as fs from 'node:fs';
import * as path from 'node:path';
import * as ort from 'onnxruntime-node';
import { DecoderSession } from '../../server/engines/local/decoderSession';
import { decoderTensorShapes } from '../../server/model/arch/decoder';
import { readModelConfig, serializeModelConfig, type ModelConfig } from '../../server/model/config';
import { convertCheckpoint } from '../../server/model/convert';
import { writeGgufModel } from '../../server/model/gguf/export';
import { syntheticTokenizer } from '../../server/model/synthetic';
import type { FloatTensor, WeightSource } from '../../server/model/tensor';
import { importEsm } from '../../test/engine/fixtures';
import { ggufFileTypeLayout } from '../../test/support/ggufFileTypes';
import { qwen3ScaledConfig } from '../engine/qwen3Scaled';
import { procStatusBytes } from '../procStatus';

type NodeLlamaCpp = typeof import('node-llama-cpp', { with: { 'resolution-mode': 'import' } });
type Token = import('node-llama-cpp', { with: { 'resolution-mode': 'import' } }).Token;

const repoRoot = path.resolve(__dirname, '../../..');

function status(): { rssAnonBytes: number; rssFileBytes: number; peakRssBytes: number } {
  const bytes = (field: string) => procStatusBytes(field) ?? NaN;
  return { rssAnonBytes: bytes('RssAnon'), rssFileBytes: bytes('RssFile'), peakRssBytes: bytes('VmHWM') };
}

/**
 * Qwen3-30B-A3B's proportions at bench/engine's `qwen3-1gb` scale (hidden 512, 8 query heads and 1 KV head of 128,
 * 128 experts top-8 of FFN 192, per-head q/k norms), with `layers` layers: 24 make a ~1 GB Q8_0 file.
 */
export function benchConfig(layers: number): ModelConfig {
  const embedded = readModelConfig(path.join(repoRoot, 'models', 'rook-moe-mini', 'config.json'));
  return {
    ...qwen3ScaledConfig({ ...embedded, vocabSize: syntheticTokenizer().vocabSize }, layers, 1024),
    attentionBias: false,
    sharedExpertFfnSize: 0,
    attentionSinks: false,
    slidingWindow: 0,
    expertBias: false,
    ropeScalingFactor: 1,
    bosTokenId: 1,
    eosTokenId: 2,
    padTokenId: 0,
    fim: undefined,
    stopTokenIds: [],
  };
}

/** Weights made on demand (uniform, with randomDecoderWeights' scales) from a cheap generator: nothing held. */
function lazyRandomWeights(config: ModelConfig): WeightSource {
  const shapes = decoderTensorShapes(config);
  return {
    get(name: string): FloatTensor | undefined {
      const shape = shapes.get(name);
      if (!shape) return undefined;
      const data = new Float32Array(shape.reduce((a, b) => a * b, 1));
      const isBias = name.endsWith('.bias');
      const isNorm = shape.length === 1 && !isBias;
      const std = isNorm || isBias ? 0.1 : name.includes('embed') || name.startsWith('lm_head') ? 1 : 1 / Math.sqrt(shape[1]);
      const half = std * Math.sqrt(3);
      let x = 2463534242;
      for (const c of name) x = (Math.imul(x ^ c.charCodeAt(0), 16777619) >>> 0) || 1;
      for (let i = 0; i < data.length; i++) {
        x ^= x << 13;
        x ^= x >>> 17;
        x ^= x << 5;
        data[i] = (isNorm ? 1 : 0) + half * (((x >>> 0) / 4294967296) * 2 - 1);
      }
      return { shape, data };
    },
  };
}

function write(dir: string, layers: number): object {
  const started = performance.now();
  const config = benchConfig(layers);
  fs.mkdirSync(dir, { recursive: true });
  const tokenizerFile = path.join(dir, 'tokenizer.json');
  fs.writeFileSync(tokenizerFile, JSON.stringify(syntheticTokenizer().json));
  fs.writeFileSync(path.join(dir, 'config.json'), JSON.stringify(serializeModelConfig(config), null, 2));
  const file = path.join(dir, 'model.gguf');
  writeGgufModel(config, lazyRandomWeights(config), 'random weights', tokenizerFile, file, {}, ggufFileTypeLayout('Q8_0'));
  return { file, fileBytes: fs.statSync(file).size, ms: performance.now() - started, ...status() };
}

function convert(file: string, out: string, threshold: number): object {
  const started = performance.now();
  const quant = 'match';
  const result = convertCheckpoint(file, out, { quant, externalDataThreshold: threshold });
  const ms = performance.now() - started;
  const bytes = (name: string) => (fs.existsSync(path.join(out, name)) ? fs.statSync(path.join(out, name)).size : 0);
  return { quant, ms, externalData: result.externalData, onnxBytes: bytes('model.onnx'), dataBytes: bytes('model.onnx.data'), ...status() };
}

function argmax(values: Float32Array): number {
  let best = 0;
  for (let i = 1; i < values.length; i++) if (values[i] > values[best]) best = i;
  return best;
}

function benchPrompt(config: ModelConfig, length: number): number[] {
  return Array.from({ length }, (_, i) => 259 + ((i * 37) % (config.vocabSize - 259)));
}

async function rook(dir: string, threads: number, promptTokens: number, steps: number): Promise<object> {
  const started = 0; // the process's start: Node and the engine's module load are part of loading
  const config = { ...readModelConfig(path.join(dir, 'config.json')), contextLength: promptTokens + steps + 8 };
  const session = await ort.InferenceSession.create(path.join(dir, 'model.onnx'), { executionProviders: ['cpu'], intraOpNumThreads: threads, interOpNumThreads: 1, graphOptimizationLevel: 'all' });
  const sessionMs = performance.now() - started;
  const afterSession = status();
  const decoder = new DecoderSession(session, config, 'growing');
  let token = argmax(await decoder.forward(benchPrompt(config, promptTokens)));
  const firstTokenMs = performance.now() - started;
  const afterFirst = status();
  const decodeStart = performance.now();
  for (let step = 0; step < steps; step++) token = argmax(await decoder.forward([token]));
  const decodeMs = performance.now() - decodeStart;
  await session.release();
  return { sessionMs, firstTokenMs, decodeTokensPerSecond: (steps * 1000) / decodeMs, afterSession, afterFirst, ...status() };
}

async function llamaCpp(file: string, threads: number, promptTokens: number, steps: number): Promise<object> {
  const started = 0;
  const llamaCpp = await importEsm<NodeLlamaCpp>('node-llama-cpp');
  const llama = await llamaCpp.getLlama({ gpu: false, build: 'never', logLevel: llamaCpp.LlamaLogLevel.error });
  const binaryMs = performance.now() - started;
  const config = readModelConfig(path.join(path.dirname(file), 'config.json'));
  const model = await llama.loadModel({ modelPath: file });
  const context = await model.createContext({ contextSize: promptTokens + steps + 8, threads, flashAttention: false, experimentalKvCacheKeyType: 'F32', experimentalKvCacheValueType: 'F32' });
  const sessionMs = performance.now() - started;
  const afterSession = status();
  const sequence = context.getSequence();
  let firstTokenMs = 0;
  let afterFirst = afterSession;
  let decodeStart = 0;
  let generated = 0;
  for await (const token of sequence.evaluate(benchPrompt(config, promptTokens) as Token[], { temperature: 0 })) {
    void token;
    if (generated++ === 0) {
      firstTokenMs = performance.now() - started;
      afterFirst = status();
      decodeStart = performance.now();
    }
    if (generated > steps) break;
  }
  const decodeMs = performance.now() - decodeStart;
  await context.dispose();
  await model.dispose();
  await llama.dispose();
  return { binaryMs, sessionMs, firstTokenMs, decodeTokensPerSecond: (steps * 1000) / decodeMs, afterSession, afterFirst, ...status() };
}

async function main(): Promise<void> {
  const [mode, a, b, c, d] = process.argv.slice(2);
  const result =
    mode === 'write' ? write(a, Number(b))
    : mode === 'convert' ? convert(a, b, Number(c))
    : mode === 'rook' ? await rook(a, Number(b), Number(c), Number(d))
    : mode === 'llama.cpp' ? await llamaCpp(a, Number(b), Number(c), Number(d))
    : undefined;
  if (!result) throw new Error(`unknown mode ${JSON.stringify(mode)}: write, convert, rook or llama.cpp`);
  process.stdout.write(`${JSON.stringify(result)}\n`);
}

if (require.main === module) {
  main().catch((error) => {
    console.error(error);
    process.exitCode = 1;
  });
}
