/**
 * `rook bench gguf`: Rook against llama.cpp on the same GGUF file, a Qwen3-MoE-shaped Q8_0 model of ~1 GB written by
 * Rook's exporter (`ggufChild.ts write`). Each step runs in its own child process (peak RSS = VmHWM of that child):
 *  - Rook: `.gguf` → converted cache folder (`--quant match`: Q8_0 → int8, the same blocks; weights in
 *    `model.onnx.data`), its time and peak RSS; then the folder → first token (ONNX Runtime session, prompt),
 *    RSS after load, decode tokens/s;
 *  - llama.cpp (node-llama-cpp): the file → first token, RSS, decode tokens/s; same threads (1), prompt, steps;
 *  - what ONNX Runtime does with external data: a smaller model of the same shape converted twice, weights inside
 *    `model.onnx` and in `model.onnx.data`, RssAnon (copied) and RssFile (mapped) after the session loads.
 * Usage: node out/bench/gguf/ggufBench.js [--layers 24] [--small-layers 6] [--threads 1] [--prompt 64] [--steps 32]
 *   [--out bench/gguf/results.json] [--work DIR]
 */
import { spawnSync } from 'node:child_process';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { parseArgs } from 'node:util';

const repoRoot = path.resolve(__dirname, '../../..');
const child = path.join(__dirname, 'ggufChild.js');

function run(...args: string[]): Record<string, any> {
  console.error(`# ${args.join(' ')}`);
  const result = spawnSync(process.execPath, [child, ...args], { encoding: 'utf8', stdio: ['ignore', 'pipe', 'inherit'], maxBuffer: 1 << 20 });
  if (result.status !== 0) throw new Error(`ggufChild ${args[0]} failed (exit ${result.status})`);
  const parsed = JSON.parse(result.stdout.trim().split('\n').pop()!);
  console.error(`#   ${JSON.stringify(parsed)}`);
  return parsed;
}

const mib = (bytes: number) => Math.round(bytes / 2 ** 20);

function main(): void {
  const { values } = parseArgs({
    options: {
      layers: { type: 'string', default: '24' },
      'small-layers': { type: 'string', default: '6' },
      threads: { type: 'string', default: '1' },
      prompt: { type: 'string', default: '64' },
      steps: { type: 'string', default: '32' },
      out: { type: 'string', default: path.join(repoRoot, 'bench', 'gguf', 'results.json') },
      work: { type: 'string' },
    },
  });
  const work = values.work ?? fs.mkdtempSync(path.join(os.tmpdir(), 'rook-gguf-bench-'));
  const { threads, prompt, steps } = values;
  const started = new Date().toISOString();
  const load = os.loadavg()[0];

  const model = path.join(work, 'large');
  const written = run('write', model, values.layers!);
  const file = written.file as string;
  const cache = path.join(work, 'large-cache');
  const conversion = run('convert', file, cache, '2000000000');
  const rook = run('rook', cache, threads!, prompt!, steps!);
  const llama = run('llama.cpp', file, threads!, prompt!, steps!);

  // External data: one smaller model, weights inline (float32 bytes under the 2 GB threshold) and in model.onnx.data.
  const small = path.join(work, 'small');
  const smallWritten = run('write', small, values['small-layers']!);
  const inlineDir = path.join(work, 'small-inline');
  const externalDir = path.join(work, 'small-external');
  const inlineConversion = run('convert', smallWritten.file, inlineDir, '2000000000');
  const externalConversion = run('convert', smallWritten.file, externalDir, '0');
  const inline = run('rook', inlineDir, threads!, '16', '8');
  const external = run('rook', externalDir, threads!, '16', '8');

  const results = {
    started,
    loadAverageAtStart: load,
    loadAverageAtEnd: os.loadavg()[0],
    machine: `${os.cpus()[0]?.model} x${os.cpus().length}, ${mib(os.totalmem())} MiB`,
    threads: Number(threads),
    promptTokens: Number(prompt),
    decodeSteps: Number(steps),
    model: { layers: Number(values.layers), fileBytes: written.fileBytes, format: 'Q8_0 (router F32, norms F32)', writeMs: written.writeMs ?? written.ms },
    rook: { conversion, run: rook },
    llamaCpp: llama,
    ratios: {
      firstTokenMsRookCachedVsLlama: rook.firstTokenMs / llama.firstTokenMs,
      firstTokenMsRookFirstUseVsLlama: (conversion.ms + rook.firstTokenMs) / llama.firstTokenMs,
      decodeTokensPerSecondRookVsLlama: rook.decodeTokensPerSecond / llama.decodeTokensPerSecond,
      peakRssRookVsLlama: rook.peakRssBytes / llama.peakRssBytes,
      conversionPeakRssVsFile: conversion.peakRssBytes / written.fileBytes,
      rookPeakRssVsWeights: rook.peakRssBytes / (conversion.onnxBytes + conversion.dataBytes),
    },
    externalData: { layers: Number(values['small-layers']), fileBytes: smallWritten.fileBytes, inline: { conversion: inlineConversion, run: inline }, external: { conversion: externalConversion, run: external } },
  };
  fs.writeFileSync(values.out!, `${JSON.stringify(results, null, 2)}\n`);
  console.log(JSON.stringify(results.ratios, null, 2));
  console.log(`wrote ${values.out}`);
  if (!values.work) fs.rmSync(work, { recursive: true, force: true });
}

main();
