/**
 * Runs a model folder's ONNX graph and its `model.gguf` in llama.cpp (node-llama-cpp's prebuilt CPU binary) side by
 * side: next-token distributions at every prompt position (the ONNX prompt in two chunks, so the second crosses
 * the KV cache) and at each greedy decode step until the engines disagree or `steps` tokens are produced.
 */
import assert from 'node:assert/strict';
import * as path from 'node:path';
import { after } from 'node:test';
import * as ort from 'onnxruntime-node';
import { DecoderSession } from '../../server/engines/local/decoderSession';
import type { ModelConfig } from '../../server/model/config';
import { seededNormal } from '../../server/model/synthetic';
import { importEsm } from './fixtures';

type NodeLlamaCpp = typeof import('node-llama-cpp', { with: { 'resolution-mode': 'import' } });
type ControlledEvaluateInputItem = import('node-llama-cpp', { with: { 'resolution-mode': 'import' } }).ControlledEvaluateInputItem;
type Token = import('node-llama-cpp', { with: { 'resolution-mode': 'import' } }).Token;
type Llama = Awaited<ReturnType<NodeLlamaCpp['getLlama']>>;

/** node-llama-cpp's prebuilt CPU binary, loaded once per test file and disposed after it. */
let llamaPromise: Promise<Llama> | undefined;
export function llama(): Promise<Llama> {
  llamaPromise ??= importEsm<NodeLlamaCpp>('node-llama-cpp').then((m) => m.getLlama({ gpu: false, build: 'never', logLevel: m.LlamaLogLevel.error }));
  return llamaPromise;
}
after(async () => {
  if (llamaPromise) await (await llamaPromise).dispose();
});

function softmax(logits: Float32Array): Float64Array {
  let max = -Infinity;
  for (const l of logits) max = Math.max(max, l);
  const out = new Float64Array(logits.length);
  let sum = 0;
  for (let i = 0; i < logits.length; i++) sum += out[i] = Math.exp(logits[i] - max);
  return out.map((p) => p / sum);
}

function argmax(values: ArrayLike<number>): number {
  let best = 0;
  for (let i = 1; i < values.length; i++) if (values[i] > values[best]) best = i;
  return best;
}

export interface Gap {
  prob: number;
  logProb: number;
}

function distributionGap(onnx: Float64Array, llamaProbabilities: Map<number, number>): Gap {
  let prob = 0;
  let logProb = 0;
  for (let token = 0; token < onnx.length; token++) {
    const other = llamaProbabilities.get(token) ?? 0;
    prob = Math.max(prob, Math.abs(onnx[token] - other));
    if (onnx[token] > 1e-3 && other > 1e-3) logProb = Math.max(logProb, Math.abs(Math.log(onnx[token]) - Math.log(other)));
  }
  return { prob, logProb };
}

/** BOS and 11 ordinary tokens drawn from `seed` (ids past the control and byte tokens). */
export function seededPrompt(config: ModelConfig, seed: number): number[] {
  const normal = seededNormal(seed);
  return [config.bosTokenId, ...Array.from({ length: 11 }, () => 259 + (Math.floor(Math.abs(normal() * 1000)) % (config.vocabSize - 259)))];
}

/**
 * Asserts 128 identical, varied greedy tokens and distributions within `tolerance` at every position; logs the gaps.
 * With `allowTies`, the engines' greedy choices may differ, but only where both find the two tokens equally likely
 * within `tolerance.prob` (a tie their roundings may break either way); both then go on with ONNX's token, so every
 * one of the 128 steps is still compared.
 */
export async function expectLlamaCppParity(label: string, dir: string, config: ModelConfig, prompt: number[], tolerance: Gap, allowTies = false): Promise<void> {
  const { onnxTokens, partings, worst } = await compareWithLlamaCpp(dir, config, prompt);
  assert.equal(onnxTokens.length, 128);
  if (allowTies) {
    for (const { step, onnx, llama } of partings) {
      const [onnxGap, llamaGap] = [onnx[0] - onnx[1], llama[1] - llama[0]];
      assert.ok(Math.abs(onnxGap) <= tolerance.prob && Math.abs(llamaGap) <= tolerance.prob, `not a tie where greedy tokens parted at step ${step}: ${JSON.stringify({ onnx, llama })}`);
    }
    if (partings.length > 0) console.log(`# ${label}: greedy choices differed on ${partings.length} ties (steps ${partings.map((parting) => parting.step).join(', ')})`);
  } else {
    assert.deepEqual(partings, [], 'greedy tokens parted');
  }
  assert.ok(new Set(onnxTokens).size > 3, 'greedy decoding should not collapse to one token (the comparison would be weak)');
  assert.ok(worst.prob <= tolerance.prob, `max |Δp| ${worst.prob}`);
  assert.ok(worst.logProb <= tolerance.logProb, `max |Δ log p| ${worst.logProb}`);
  console.log(`# ${label}: max |Δp| ${worst.prob.toExponential(2)}, max |Δ log p| ${worst.logProb.toExponential(2)}, ${new Set(onnxTokens).size} distinct greedy tokens`);
}

/** A step where the engines' greedy tokens differed: each engine's probabilities of [its own token, the other's]. */
export interface Parting {
  step: number;
  onnx: [number, number];
  llama: [number, number];
}

/** Greedy decoding in both engines along ONNX's tokens (llama.cpp is fed them too), with every step's gap. */
export async function compareWithLlamaCpp(dir: string, config: ModelConfig, prompt: number[], steps = 128): Promise<{ onnxTokens: number[]; worst: Gap; partings: Parting[] }> {
  const session = new DecoderSession(await ort.InferenceSession.create(path.join(dir, 'model.onnx')), config);
  const model = await (await llama()).loadModel({ modelPath: path.join(dir, 'model.gguf') });
  const context = await model.createContext({ contextSize: config.contextLength, threads: 2, flashAttention: false, experimentalKvCacheKeyType: 'F32', experimentalKvCacheValueType: 'F32' });
  const sequence = context.getSequence();
  const V = config.vocabSize;
  const worst: Gap = { prob: 0, logProb: 0 };
  const record = (gap: Gap) => {
    worst.prob = Math.max(worst.prob, gap.prob);
    worst.logProb = Math.max(worst.logProb, gap.logProb);
  };
  try {
    const split = Math.ceil(prompt.length / 2);
    const logits = new Float32Array(prompt.length * V);
    logits.set(await session.forward(prompt.slice(0, split)));
    logits.set(await session.forward(prompt.slice(split)), split * V);
    const promptResults = await sequence.controlledEvaluate(prompt.map((token): ControlledEvaluateInputItem => [token as Token, { generateNext: { probabilities: true } }]));
    for (let p = 0; p < prompt.length; p++) record(distributionGap(softmax(logits.subarray(p * V, (p + 1) * V)), promptResults[p]!.next!.probabilities!));

    let onnxLogits: Float32Array = logits.subarray((prompt.length - 1) * V);
    let llamaProbabilities = promptResults[prompt.length - 1]!.next!.probabilities!;
    const onnxTokens: number[] = [];
    const partings: Parting[] = [];
    for (let step = 0; step < steps; step++) {
      const onnxToken = argmax(onnxLogits);
      const llamaToken = [...llamaProbabilities.entries()].reduce((a, b) => (b[1] > a[1] ? b : a))[0];
      onnxTokens.push(onnxToken);
      if (onnxToken !== llamaToken) {
        const onnx = softmax(onnxLogits);
        partings.push({ step, onnx: [onnx[onnxToken], onnx[llamaToken]], llama: [llamaProbabilities.get(onnxToken as Token) ?? 0, llamaProbabilities.get(llamaToken as Token) ?? 0] });
      }
      onnxLogits = await session.forward([onnxToken]);
      const [result] = await sequence.controlledEvaluate([[onnxToken as Token, { generateNext: { probabilities: true } }] as const]);
      llamaProbabilities = result!.next!.probabilities!;
      record(distributionGap(softmax(onnxLogits), llamaProbabilities));
    }
    return { onnxTokens, worst, partings };
  } finally {
    await context.dispose();
    await model.dispose();
    await session.release();
  }
}
