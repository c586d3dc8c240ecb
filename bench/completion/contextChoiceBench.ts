/**
 * `rook bench context-choice`: what weighing lines copied from the prompt against the model's line
 * (`server/completion/contextChoice.ts`) costs and buys in the editor's completion path. Line cases are cut from
 * Rook's own `server/` and `extension/` sources (code the embedded model never trained on); each runs through
 * `completeAt` on one local engine twice: as it is, and with its scoring hidden (the peer: greedy decoding alone).
 * Prints exact match, edit similarity, latency p50/p95 and the ratios. Then the same cases typed: the first
 * `typedChars` characters of each missing rest, one keystroke at a time, each completed, so the engine's cached
 * prompt is reused as in the editor; latency p50/p95 per keystroke on both.
 * Usage: node out/bench/completion/contextChoiceBench.js [--model DIR] [--cases N] [--threads N] [--out FILE]
 */
import * as fs from 'node:fs';
import * as path from 'node:path';
import { completeAt } from '../../server/completion/complete';
import type { Engine } from '../../server/engines/engine';
import { LocalEngine } from '../../server/engines/local/localEngine';
import type { EvalCase } from '../../server/eval/cases';
import { compareCandidates } from '../../server/eval/compareCandidates';
import { repoCases } from '../../server/eval/repoCases';
import { percentile } from '../../server/metrics/latency';
import type { CandidateScores } from '../../server/protocol/contract';
import { repoRoot, workloadBenchArgs } from '../engine/codeWorkloads';

/** The engine without `scoreContinuations`: completions then show the greedy line, as before context choice. */
function greedyOnly(engine: Engine): Engine {
  return {
    info: engine.info,
    capabilities: (signal) => engine.capabilities(signal),
    complete: (request, signal) => engine.complete(request, signal),
    chat: (request, signal) => engine.chat(request, signal),
    dispose: async () => undefined,
  };
}

/** Characters typed per case in the keystroke replay. */
const typedChars = 8;

/** Each keystroke's completion time, typing the start of each case's missing text. */
async function keystrokeLatencies(engine: Engine, cases: readonly EvalCase<string>[]): Promise<number[]> {
  const signal = new AbortController().signal;
  const latencies: number[] = [];
  for (const evalCase of cases) {
    for (let typed = 0; typed <= Math.min(typedChars, evalCase.expected.length); typed++) {
      const document = evalCase.document.slice(0, evalCase.offset) + evalCase.expected.slice(0, typed) + evalCase.document.slice(evalCase.offset);
      const started = performance.now();
      await completeAt(engine, document, evalCase.offset + typed, { maxTokens: 64, temperature: 0, minConfidence: 0 }, signal);
      latencies.push(performance.now() - started);
    }
  }
  return latencies;
}

async function main(): Promise<void> {
  const usage = 'Usage: node out/bench/completion/contextChoiceBench.js [--model DIR] [--cases N] [--threads N] [--out FILE]';
  const args = workloadBenchArgs(usage);
  if (!args) return;
  const cases = [];
  for (const folder of ['server', 'extension']) {
    // Cases alternate line and infill; only line cases are weighed against copies.
    const cut = await repoCases(path.join(repoRoot, folder), { count: args.cases * 2, seed: 4, excludeGlobs: [] });
    cases.push(...cut.cases.filter((evalCase) => evalCase.task === 'line'));
  }
  const engine = await LocalEngine.load({ modelPath: args.model, executionProvider: 'cpu', threads: args.threads });
  const options = { maxTokens: 64, minConfidence: 0, signal: new AbortController().signal };
  const [greedy, chosen] = await compareCandidates(cases, [greedyOnly(engine), engine], options);
  const typing = { greedy: await keystrokeLatencies(greedyOnly(engine), cases), contextChoice: await keystrokeLatencies(engine, cases) };
  await engine.dispose();
  const ms = (values: number[], p: number) => Number(percentile(values, p).toFixed(1));
  const row = (scores: CandidateScores) => ({
    exactMatch: Number((100 * scores.exactMatch).toFixed(1)),
    editSimilarity: Number((100 * scores.editSimilarity).toFixed(1)),
    latencyP50Ms: Number(scores.latencyP50Ms.toFixed(1)),
    latencyP95Ms: Number(scores.latencyP95Ms.toFixed(1)),
  });
  const report = {
    date: new Date().toISOString().slice(0, 10),
    model: path.relative(repoRoot, args.model) || args.model,
    threads: args.threads,
    cases: cases.length,
    greedy: row(greedy),
    contextChoice: row(chosen),
    latencyRatio: { p50: Number((chosen.latencyP50Ms / greedy.latencyP50Ms).toFixed(2)), p95: Number((chosen.latencyP95Ms / greedy.latencyP95Ms).toFixed(2)) },
    keystrokes: {
      count: typing.greedy.length,
      greedyMs: { p50: ms(typing.greedy, 50), p95: ms(typing.greedy, 95) },
      contextChoiceMs: { p50: ms(typing.contextChoice, 50), p95: ms(typing.contextChoice, 95) },
      ratio: { p50: Number((percentile(typing.contextChoice, 50) / percentile(typing.greedy, 50)).toFixed(2)), p95: Number((percentile(typing.contextChoice, 95) / percentile(typing.greedy, 95)).toFixed(2)) },
    },
  };
  console.log(
    `${report.cases} line cases from Rook's sources: greedy EM ${report.greedy.exactMatch}% ES ${report.greedy.editSimilarity}%, latency p50 ${report.greedy.latencyP50Ms} ms p95 ${report.greedy.latencyP95Ms} ms; ` +
      `with context choice EM ${report.contextChoice.exactMatch}% ES ${report.contextChoice.editSimilarity}%, p50 ${report.contextChoice.latencyP50Ms} ms (${report.latencyRatio.p50}x) p95 ${report.contextChoice.latencyP95Ms} ms (${report.latencyRatio.p95}x)`,
  );
  const { keystrokes } = report;
  console.log(
    `typing the first ${typedChars} characters of each (${keystrokes.count} keystrokes, the prompt cached): greedy p50 ${keystrokes.greedyMs.p50} ms p95 ${keystrokes.greedyMs.p95} ms; ` +
      `with context choice p50 ${keystrokes.contextChoiceMs.p50} ms (${keystrokes.ratio.p50}x) p95 ${keystrokes.contextChoiceMs.p95} ms (${keystrokes.ratio.p95}x)`,
  );
  if (args.out) fs.writeFileSync(args.out, `${JSON.stringify(report, null, 2)}\n`);
}

main().catch((error: unknown) => {
  console.error(error);
  process.exit(1);
});
