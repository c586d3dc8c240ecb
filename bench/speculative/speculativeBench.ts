/**
 * `rook bench speculative`: prompt-lookup speculative decoding (server/engines/local/promptLookup.ts) against plain
 * one-token-a-run decoding, the same model loaded twice, on two workloads built from Rook's own sources:
 * - `completion`: fill-in-the-middle at line starts (the prefix before the cursor, the suffix after), as ghost text;
 * - `edit`: "edit a selection by instruction" with the product's own edit prompt, where an answer mostly copies the
 *   selection.
 * Each case runs plain, then speculative, greedy; prints decode tokens/s of both (total tokens over total decode
 * time, and the median of per-case ratios), the share of drafted tokens the model accepted, tokens per model run,
 * and how many outputs were identical (all must be).
 * Usage: node out/bench/speculative/speculativeBench.js [--model DIR] [--cases N] [--threads N] [--out FILE]
 */
import * as fs from 'node:fs';
import * as path from 'node:path';
import { LocalEngine } from '../../server/engines/local/localEngine';
import { completionCases, editCases, repoRoot, workloadBenchArgs, type Case, type WorkloadBenchArgs } from '../engine/codeWorkloads';
import { median } from '../engine/median';

interface Measured {
  tokens: number;
  decodeMs: number;
  drafted: number;
  accepted: number;
  text: string;
}

async function measure(engine: LocalEngine, c: Case): Promise<Measured> {
  const text = await c.run(engine);
  const stats = engine.stats().lastPrompt;
  return { tokens: stats.generatedTokens, decodeMs: stats.decodeMs, drafted: stats.draftedTokens, accepted: stats.acceptedDraftTokens, text };
}

function summarize(name: string, plain: Measured[], speculative: Measured[]) {
  const sum = (rows: Measured[], key: keyof Omit<Measured, 'text'>) => rows.reduce((total, row) => total + row[key], 0);
  const plainRate = (1000 * sum(plain, 'tokens')) / sum(plain, 'decodeMs');
  const speculativeRate = (1000 * sum(speculative, 'tokens')) / sum(speculative, 'decodeMs');
  const ratios = plain.map((row, i) => (row.decodeMs / Math.max(row.tokens, 1)) / (speculative[i].decodeMs / Math.max(speculative[i].tokens, 1))).filter(Number.isFinite);
  const drafted = sum(speculative, 'drafted');
  const accepted = sum(speculative, 'accepted');
  const tokens = sum(speculative, 'tokens');
  return {
    workload: name,
    cases: plain.length,
    generatedTokens: tokens,
    plainTokensPerSecond: Math.round(plainRate),
    speculativeTokensPerSecond: Math.round(speculativeRate),
    speedup: Number((speculativeRate / plainRate).toFixed(2)),
    medianCaseSpeedup: Number(median(ratios).toFixed(2)),
    draftedTokens: drafted,
    acceptedShare: drafted === 0 ? 0 : Number((accepted / drafted).toFixed(3)),
    tokensPerRun: Number((tokens / Math.max(tokens - accepted, 1)).toFixed(2)),
    identicalOutputs: plain.filter((row, i) => row.text === speculative[i].text).length,
  };
}

/** Both workloads, plain then speculative, on the model folder given; prints a line per workload. */
export async function measureSpeculative(args: Omit<WorkloadBenchArgs, 'out'>) {
  const { cases, threads } = args;
  const open = (promptLookup?: false) => LocalEngine.load({ modelPath: args.model, executionProvider: 'cpu', threads, promptLookup });
  const [plain, speculative] = [await open(false), await open()];
  const results = [];
  for (const [name, workload] of [['completion', await completionCases(cases)], ['edit', await editCases(Math.max(1, Math.floor(cases / 2)))]] as const) {
    // A warm-up request each, so neither pays the first run's allocations.
    await workload[0].run(plain);
    await workload[0].run(speculative);
    const plainRows: Measured[] = [];
    const speculativeRows: Measured[] = [];
    for (const c of workload) {
      plainRows.push(await measure(plain, c));
      speculativeRows.push(await measure(speculative, c));
    }
    const summary = summarize(name, plainRows, speculativeRows);
    results.push(summary);
    console.log(
      `${name.padEnd(10)} ${summary.cases} cases, ${summary.generatedTokens} tokens: plain ${summary.plainTokensPerSecond} tok/s, speculative ${summary.speculativeTokensPerSecond} tok/s ` +
        `(${summary.speedup}x; median case ${summary.medianCaseSpeedup}x); accepted ${(summary.acceptedShare * 100).toFixed(1)}% of ${summary.draftedTokens} drafted, ` +
        `${summary.tokensPerRun} tokens per run; identical outputs ${summary.identicalOutputs}/${summary.cases}`,
    );
  }
  await Promise.all([plain.dispose(), speculative.dispose()]);
  return { date: new Date().toISOString().slice(0, 10), model: path.relative(repoRoot, args.model) || args.model, threads, results };
}

async function main(): Promise<void> {
  const args = workloadBenchArgs('Usage: node out/bench/speculative/speculativeBench.js [--model DIR] [--cases N] [--threads N] [--out FILE]');
  if (!args) return;
  const report = await measureSpeculative(args);
  if (args.out) fs.writeFileSync(args.out, `${JSON.stringify(report, null, 2)}\n`);
}

if (require.main === module) {
  main().catch((error: unknown) => {
    console.error(error);
    process.exit(1);
  });
}
