/**
 * `rook bench context-choice`: what weighing lines copied from the prompt against the model's line
 * (`server/completion/contextChoice.ts`) costs and buys in the editor's completion path. Line cases are cut from
 * Rook's own `server/` and `extension/` sources (code the embedded model never trained on); each runs through
 * `completeAt` on one local engine twice: as it is, and with its scoring hidden (the peer: greedy decoding alone).
 * Prints exact match, edit similarity, latency p50/p95 and the ratios.
 * Usage: node out/bench/completion/contextChoiceBench.js [--model DIR] [--cases N] [--threads N] [--out FILE]
 */
import * as fs from 'node:fs';
import * as path from 'node:path';
import type { Engine } from '../../server/engines/engine';
import { LocalEngine } from '../../server/engines/local/localEngine';
import { compareCandidates } from '../../server/eval/compareCandidates';
import { repoCases } from '../../server/eval/repoCases';
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
  await engine.dispose();
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
  };
  console.log(
    `${report.cases} line cases from Rook's sources: greedy EM ${report.greedy.exactMatch}% ES ${report.greedy.editSimilarity}%, latency p50 ${report.greedy.latencyP50Ms} ms p95 ${report.greedy.latencyP95Ms} ms; ` +
      `with context choice EM ${report.contextChoice.exactMatch}% ES ${report.contextChoice.editSimilarity}%, p50 ${report.contextChoice.latencyP50Ms} ms (${report.latencyRatio.p50}x) p95 ${report.contextChoice.latencyP95Ms} ms (${report.latencyRatio.p95}x)`,
  );
  if (args.out) fs.writeFileSync(args.out, `${JSON.stringify(report, null, 2)}\n`);
}

main().catch((error: unknown) => {
  console.error(error);
  process.exit(1);
});
