/**
 * `rook bench <name> [args]`: runs one benchmark from bench/ (compiled into out/bench/). Benchmarks build synthetic
 * models and measure against peers installed as devDependencies (llama.cpp through node-llama-cpp), so they run
 * from a source checkout after a build — `npm run bench -- <name>` builds and then calls this — not from an
 * installed extension, which says so.
 */
import { spawnSync } from 'node:child_process';
import * as fs from 'node:fs';
import * as path from 'node:path';

/** Each benchmark's script under out/bench/. */
export const benchScripts = {
  engine: 'engine/engineBench.js',
  quant: 'quant/quantBench.js',
  convert: 'convert/convertMemory.js',
  completion: 'completion/completionBench.js',
  'context-choice': 'completion/contextChoiceBench.js',
  'completion-vscode': 'completion/vscodeBench.js',
  serve: 'serve/serveBench.js',
  startup: 'startup/sidecarStart.js',
  'chat-render': 'chat/renderBench.js',
  index: 'index/indexBench.js',
  speculative: 'speculative/speculativeBench.js',
  turns: 'turns/completionUnderChat.js',
  streams: 'streams/streamsBench.js',
  gguf: 'gguf/ggufBench.js',
  limits: 'limits/hostileInputs.js',
} as const;

export const benchUsage = `rook bench <${Object.keys(benchScripts).join('|')}> [args]`;

export const benchHelp = `Usage: ${benchUsage}

Runs one benchmark from a source checkout of Rook (\`npm run bench -- <name>\` builds it first); the args after
the name go to it.

  engine              Rook's ONNX engine against llama.cpp on synthetic models (the embedded model's shape,
                      Grok-1 and Qwen3-MoE scaled to ~1 GB): time to first token, decode tokens/s, peak memory
  quant               what int8 / int4 quantization costs and buys on the embedded model, against float32 and
                      llama.cpp [--out FILE]
  convert             peak memory of rook convert on a Grok-shaped checkpoint [--layers N] [--hidden D] [--runs N]
  completion          typing sessions replayed against the real sidecar and the local engine
  context-choice      lines copied from the prompt weighed against the model's line, on Rook's own sources: exact
                      match, edit similarity and latency against greedy decoding alone [--cases N] [--model DIR]
                      [--threads N] [--out FILE]
  completion-vscode   keystroke to ghost text in a real VS Code (code-server and Chromium)
  serve               one engine serving many editors, every goal of issue 18 from one run: 64 clients on rook
                      serve (TTFT, fairness), batching against llama.cpp at 1/4/16/64 streams, completion
                      latency under a streaming chat, speculative decoding; the remote client's overhead
                      [--clients N] [--seconds N] [--streams LIST] [--cases N] [--out FILE]
  startup             sidecar start time [runs]
  chat-render         the chat webview rendering long and deeply nested answers as they stream, in Chromium,
                      against rendering each once [--runs N] [--cases A,B] [--out FILE]
  index               the workspace index on a synthetic 10,000-file workspace: files/s, query p50/p95, RSS,
                      reopening, completion latency while indexing [--files N]
  speculative         prompt-lookup speculative decoding against plain decoding on the embedded model: decode
                      tokens/s on completion and edit workloads, drafts accepted [--cases N] [--model DIR] [--out FILE]
  turns               inline-completion latency while a long chat answer streams, against an idle engine
                      [--cases N] [--model DIR] [--out FILE]
  streams             continuous batching: aggregate decode tokens/s and time to first token at 1, 4 and 16
                      streams, against llama.cpp decoding as many sequences on the same weights [--streams LIST]
  gguf                Rook against llama.cpp on the same ~1 GB Qwen3-MoE-shaped Q8_0 GGUF: conversion time and peak
                      RSS, file to first token, RSS, decode tokens/s; ONNX Runtime's RSS with weights inline and in
                      model.onnx.data [--layers N] [--threads N] [--prompt N] [--steps N] [--out FILE]
  limits              the guards on hostile inputs (a 10 MB document, a 40,000-character vocabulary piece, a 1.2 GB
                      GGUF string length), each against a peer in the same run [--repetitions N] [--out FILE]

Each benchmark's source under bench/ says what it measures and takes.`;

export function runBench(args: string[]): number {
  const [name, ...rest] = args;
  if (!Object.hasOwn(benchScripts, name ?? '')) {
    console.error(`rook bench: unknown benchmark ${JSON.stringify(name ?? '')}.\nUsage: ${benchUsage}`);
    return 2;
  }
  // dist/rook.js sits one folder below the checkout's root, beside out/.
  const script = path.join(__dirname, '..', 'out', 'bench', benchScripts[name as keyof typeof benchScripts]);
  if (!fs.existsSync(script)) {
    console.error(`rook bench: ${script} not found. Benchmarks run from a source checkout of Rook: \`npm run bench -- ${name}\` builds them and runs this one.`);
    return 1;
  }
  return spawnSync(process.execPath, [script, ...rest], { stdio: 'inherit' }).status ?? 1;
}
