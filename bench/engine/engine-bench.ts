/**
 * `rook bench engine` (first part): prompt and decode throughput of the ONNX engine and of llama.cpp on the same
 * synthetic Grok-shaped model (same F32 weights, F32 KV cache, same thread count), measured in one run, with
 * their ratio. Usage: node out/bench/engine/engine-bench.js [--out results.json]
 */
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import * as ort from 'onnxruntime-node';
import { DecoderSession } from '../../server/engines/local/decoder-session';
import { argmax } from '../../server/engines/local/sampler';
import { buildOnnxModel } from '../../server/model/build';
import type { ModelConfig } from '../../server/model/config';
import { exportGguf } from '../../server/model/gguf-export';
import { writeSyntheticModelFolder, type SyntheticShape } from '../../server/model/synthetic';
import { tinyGrok } from '../../test/engine/fixtures';

type NodeLlamaCpp = typeof import('node-llama-cpp', { with: { 'resolution-mode': 'import' } });
type Token = import('node-llama-cpp', { with: { 'resolution-mode': 'import' } }).Token;
const importEsm = new Function('specifier', 'return import(specifier)') as (specifier: string) => Promise<NodeLlamaCpp>;

const promptLength = 128;
const decodeSteps = 64;

/** The tests' tiny Grok, scaled up until its weights (~54 MB) no longer fit in cache. */
const shape: SyntheticShape = {
  ...tinyGrok,
  hiddenSize: 256,
  numLayers: 4,
  numHeads: 8,
  headDim: 32,
  numExperts: 8,
  expertFfnSize: 512,
  contextLength: 512,
  routerRenormalize: true,
  embeddingMultiplier: 16,
  attentionScale: 1 / Math.sqrt(32),
};

interface Throughput {
  promptTokensPerSecond: number;
  decodeTokensPerSecond: number;
}

function promptTokens(config: ModelConfig): number[] {
  return Array.from({ length: promptLength }, (_, i) => 259 + ((i * 37) % (config.vocabSize - 259)));
}

async function onnxThroughput(dir: string, config: ModelConfig, threads: number): Promise<Throughput> {
  const session = await ort.InferenceSession.create(path.join(dir, 'model.onnx'), { executionProviders: ['cpu'], intraOpNumThreads: threads, interOpNumThreads: 1, graphOptimizationLevel: 'all' });
  const decoder = new DecoderSession(session, config);
  const prompt = promptTokens(config);
  await decoder.forward(prompt.slice(0, 8)); // warm-up
  decoder.truncate(0);
  const start = performance.now();
  await decoder.forward(prompt.slice(0, -1));
  const prefilled = performance.now();
  let token = prompt[prompt.length - 1];
  for (let step = 0; step < decodeSteps; step++) {
    const logits = await decoder.forward([token]);
    token = argmax(logits.subarray(logits.length - config.vocabSize));
  }
  const decoded = performance.now();
  await decoder.release();
  return { promptTokensPerSecond: ((prompt.length - 1) * 1000) / (prefilled - start), decodeTokensPerSecond: (decodeSteps * 1000) / (decoded - prefilled) };
}

async function llamaCppThroughput(llamaCpp: NodeLlamaCpp, dir: string, config: ModelConfig, threads: number): Promise<Throughput> {
  const llama = await llamaCpp.getLlama({ gpu: false, build: 'never', logLevel: llamaCpp.LlamaLogLevel.error });
  const model = await llama.loadModel({ modelPath: path.join(dir, 'model.gguf') });
  const context = await model.createContext({ contextSize: config.contextLength, threads, flashAttention: false, experimentalKvCacheKeyType: 'F32', experimentalKvCacheValueType: 'F32' });
  const sequence = context.getSequence();
  const prompt = promptTokens(config) as Token[];
  await sequence.evaluateWithoutGeneratingNewTokens(prompt.slice(0, 8)); // warm-up
  await sequence.clearHistory();
  const start = performance.now();
  await sequence.evaluateWithoutGeneratingNewTokens(prompt.slice(0, -1));
  const prefilled = performance.now();
  let steps = 0;
  for await (const token of sequence.evaluate([prompt[prompt.length - 1]], { temperature: 0 })) {
    void token;
    if (++steps >= decodeSteps) break;
  }
  const decoded = performance.now();
  await context.dispose();
  await model.dispose();
  await llama.dispose();
  return { promptTokensPerSecond: ((prompt.length - 1) * 1000) / (prefilled - start), decodeTokensPerSecond: (decodeSteps * 1000) / (decoded - prefilled) };
}

async function main(): Promise<void> {
  const outIndex = process.argv.indexOf('--out');
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'rook-bench-'));
  const config = writeSyntheticModelFolder(dir, shape, 1);
  buildOnnxModel(dir);
  exportGguf(dir);
  const llamaCpp = await importEsm('node-llama-cpp');
  const weightsBytes = fs.statSync(path.join(dir, 'model.safetensors')).size;
  const rows = [];
  for (const threads of [1, 2]) {
    const onnx = await onnxThroughput(dir, config, threads);
    const llama = await llamaCppThroughput(llamaCpp, dir, config, threads);
    rows.push({
      threads,
      onnx,
      llamaCpp: llama,
      promptRatio: onnx.promptTokensPerSecond / llama.promptTokensPerSecond,
      decodeRatio: onnx.decodeTokensPerSecond / llama.decodeTokensPerSecond,
    });
  }
  const result = { date: new Date().toISOString(), cpu: os.cpus()[0]?.model, weightsBytes, shape: { ...shape, vocabSize: config.vocabSize }, promptLength, decodeSteps, rows };
  for (const row of rows) {
    console.log(
      `threads ${row.threads}: prompt ${row.onnx.promptTokensPerSecond.toFixed(0)} vs ${row.llamaCpp.promptTokensPerSecond.toFixed(0)} tok/s (x${row.promptRatio.toFixed(2)}), ` +
        `decode ${row.onnx.decodeTokensPerSecond.toFixed(0)} vs ${row.llamaCpp.decodeTokensPerSecond.toFixed(0)} tok/s (x${row.decodeRatio.toFixed(2)}) [rook vs llama.cpp]`,
    );
  }
  if (outIndex > 0) fs.writeFileSync(process.argv[outIndex + 1], JSON.stringify(result, null, 2) + '\n');
  fs.rmSync(dir, { recursive: true, force: true });
}

main().catch((error) => {
  console.error(error);
  process.exitCode = 1;
});
