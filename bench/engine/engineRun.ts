/**
 * One engine on one model at one thread count, alone in this process so its peak RSS is its own. The bench
 * (engineBench.ts) starts one such child per engine and alternates their repetitions over stdin/stdout, one JSON
 * line each way, so that a change in the machine's load hits both engines alike.
 * A repetition starts from an empty KV cache: time to first token for a prompt of the length asked for (all of it
 * evaluated, the first token chosen greedily), then `decodeSteps` more greedy tokens.
 * Usage: node out/bench/engine/engineRun.js <rook|llama.cpp> <model folder> <threads> <context length> <decode steps>
 *   (the context sizes each engine's KV cache, as the model's context length would)
 *   stdin: `rep <prompt tokens>` (one repetition) or `end`; stdout: {"loadMs", "runtimeRssBytes"} once loaded and warmed
 *   up, a `Repetition` per repetition, {"peakRssBytes"} at the end.
 */
import * as path from 'node:path';
import * as readline from 'node:readline';
import * as ort from 'onnxruntime-node';
import { DecoderSession } from '../../server/engines/local/decoderSession';
import { argmax } from '../../server/engines/local/sampler';
import { modelFiles } from '../../server/model/modelFiles';
import { readModelConfig, type ModelConfig } from '../../server/model/config';
import { importEsm } from '../../test/engine/fixtures';
import { procStatusBytes } from '../procStatus';

type NodeLlamaCpp = typeof import('node-llama-cpp', { with: { 'resolution-mode': 'import' } });
type Token = import('node-llama-cpp', { with: { 'resolution-mode': 'import' } }).Token;

export type EngineName = 'rook' | 'llama.cpp';

/** Wall-clock times and this process's CPU time (all its threads) for the prompt and for the decoded tokens. */
export interface Repetition {
  timeToFirstTokenMs: number;
  decodeMs: number;
  promptCpuMs: number;
  decodeCpuMs: number;
}

/** Times the two phases of a repetition: `firstToken` marks the end of the prompt. */
function phaseTimer() {
  const start = { wall: performance.now(), cpu: process.cpuUsage() };
  let prompt = start;
  const cpuMs = (since: NodeJS.CpuUsage) => {
    const used = process.cpuUsage(since);
    return (used.user + used.system) / 1000;
  };
  return {
    firstToken() {
      prompt = { wall: performance.now(), cpu: process.cpuUsage() };
    },
    done(): Repetition {
      const promptCpuMs = cpuMs(start.cpu) - cpuMs(prompt.cpu);
      return { timeToFirstTokenMs: prompt.wall - start.wall, decodeMs: performance.now() - prompt.wall, promptCpuMs, decodeCpuMs: cpuMs(prompt.cpu) };
    },
  };
}

interface LoadedEngine {
  /** This process's RSS with the engine's library loaded, before the model: what any model runs on. */
  runtimeRssBytes: number;
  /** Evaluates `tokens` from an empty cache and generates greedily after them. */
  repetition(tokens: number[], decodeSteps: number): Promise<Repetition>;
  dispose(): Promise<void>;
}

/** This process's peak RSS (`VmHWM`; see `procStatusBytes`). */
function peakRssBytes(): number {
  return procStatusBytes('VmHWM') ?? process.resourceUsage().maxRSS * 1024;
}

function rssBytes(): number {
  return procStatusBytes('VmRSS') ?? process.memoryUsage().rss;
}

/** A fixed prompt of ordinary tokens (past the control tokens), the same for both engines. */
export function benchPrompt(config: ModelConfig, length: number): number[] {
  const first = 16;
  return Array.from({ length }, (_, i) => first + ((i * 37) % (config.vocabSize - first)));
}

async function loadRook(dir: string, config: ModelConfig, threads: number): Promise<LoadedEngine> {
  const runtimeRssBytes = rssBytes(); // onnxruntime-node's binding is loaded with this module
  const session = await ort.InferenceSession.create(path.join(dir, modelFiles.onnx), { executionProviders: ['cpu'], intraOpNumThreads: threads, interOpNumThreads: 1, graphOptimizationLevel: 'all' });
  const decoder = new DecoderSession(session, config);
  const nextToken = async (tokens: number[]) => {
    const logits = await decoder.forward(tokens);
    return argmax(logits.subarray(logits.length - config.vocabSize));
  };
  return {
    runtimeRssBytes,
    async repetition(tokens, decodeSteps) {
      decoder.truncate(0);
      const timer = phaseTimer();
      let token = await nextToken(tokens);
      timer.firstToken();
      for (let step = 0; step < decodeSteps; step++) token = await nextToken([token]);
      return timer.done();
    },
    dispose: () => session.release(),
  };
}

async function loadLlamaCpp(dir: string, config: ModelConfig, threads: number): Promise<LoadedEngine> {
  const llamaCpp = await importEsm<NodeLlamaCpp>('node-llama-cpp');
  const llama = await llamaCpp.getLlama({ gpu: false, build: 'never', logLevel: llamaCpp.LlamaLogLevel.error });
  const runtimeRssBytes = rssBytes();
  const model = await llama.loadModel({ modelPath: path.join(dir, modelFiles.gguf) });
  const context = await model.createContext({ contextSize: config.contextLength, threads, flashAttention: false, experimentalKvCacheKeyType: 'F32', experimentalKvCacheValueType: 'F32' });
  const sequence = context.getSequence();
  return {
    runtimeRssBytes,
    async repetition(tokens, decodeSteps) {
      await sequence.clearHistory();
      const timer = phaseTimer();
      let generated = 0;
      for await (const token of sequence.evaluate(tokens as Token[], { temperature: 0 })) {
        void token;
        if (generated++ === 0) timer.firstToken();
        if (generated > decodeSteps) break;
      }
      return timer.done();
    },
    async dispose() {
      await context.dispose();
      await model.dispose();
      await llama.dispose();
    },
  };
}

async function main(): Promise<void> {
  const [engine, dir, threads, contextLength, decodeSteps] = process.argv.slice(2);
  const load = engine === 'rook' ? loadRook : engine === 'llama.cpp' ? loadLlamaCpp : undefined;
  if (!load) throw new Error(`unknown engine "${engine}": expected rook or llama.cpp`);
  const config = { ...readModelConfig(path.join(dir, modelFiles.config)), contextLength: Number(contextLength) };
  const prompt = benchPrompt(config, config.contextLength - Number(decodeSteps) - 1);
  const send = (message: object) => process.stdout.write(JSON.stringify(message) + '\n');
  const start = performance.now();
  const loaded = await load(dir, config, Number(threads));
  await loaded.repetition(prompt.slice(0, 8), 1); // warm-up
  send({ loadMs: performance.now() - start, runtimeRssBytes: loaded.runtimeRssBytes });
  for await (const command of readline.createInterface({ input: process.stdin })) {
    const [name, promptTokens] = command.split(' ');
    if (name !== 'rep') break;
    send(await loaded.repetition(prompt.slice(0, Number(promptTokens)), Number(decodeSteps)));
  }
  await loaded.dispose();
  send({ peakRssBytes: peakRssBytes() });
}

if (require.main === module) {
  main().catch((error) => {
    console.error(error);
    process.exitCode = 1;
  });
}
