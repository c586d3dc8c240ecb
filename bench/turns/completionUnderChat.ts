/**
 * `rook bench turns`: inline-completion latency while a long chat answer streams, against the same completions on an
 * idle engine (server/engines/local/engineTurns.ts lets a completion run between two of the chat's decode steps).
 * The chat is restarted whenever it ends, so every completion meets one mid-stream. Prints median and p95 of both,
 * their ratios, and the chat's own decode speed while completions cut in.
 * Usage: node out/bench/turns/completionUnderChat.js [--model DIR] [--cases N] [--threads N] [--out FILE]
 */
import * as fs from 'node:fs';
import * as path from 'node:path';
import { LocalEngine } from '../../server/engines/local/localEngine';
import { percentile } from '../../server/metrics/latency';
import { completionCases, repoRoot, workloadBenchArgs, type Case, type WorkloadBenchArgs } from '../engine/codeWorkloads';

const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

async function timed(engine: LocalEngine, c: Case): Promise<number> {
  const started = performance.now();
  await c.run(engine);
  return performance.now() - started;
}

/** Completion latency idle, then while a chat streams, on the model folder given; prints one line. */
export async function measureCompletionUnderChat(args: Omit<WorkloadBenchArgs, 'out'>) {
  const threads = args.threads;
  const engine = await LocalEngine.load({ modelPath: args.model, executionProvider: 'cpu', threads });
  const cases = await completionCases(args.cases);
  await cases[0].run(engine);

  const idle: number[] = [];
  for (const c of cases) idle.push(await timed(engine, c));

  let chatting = true;
  let chatTokens = 0;
  let chatSeconds = 0;
  const question = { messages: [{ role: 'user' as const, content: 'Explain, at length and with examples, how a language server talks to an editor.' }], maxTokens: 400, temperature: 0.2 };
  const chatLoop = (async () => {
    while (chatting) {
      const started = performance.now();
      for await (const event of engine.chat(question, new AbortController().signal)) if (event.kind === 'text') chatTokens += event.tokens?.length ?? 0;
      chatSeconds += (performance.now() - started) / 1000;
    }
  })();
  const underChat: number[] = [];
  for (const c of cases) {
    // Typing pauses: the chat streams alone between two completions.
    await sleep(150);
    underChat.push(await timed(engine, c));
  }
  chatting = false;
  await chatLoop;
  await engine.dispose();

  const round = (ms: number) => Math.round(ms * 10) / 10;
  const report = {
    date: new Date().toISOString().slice(0, 10),
    model: path.relative(repoRoot, args.model) || args.model,
    threads,
    cases: cases.length,
    idleMs: { p50: round(percentile(idle, 50)), p95: round(percentile(idle, 95)) },
    underChatMs: { p50: round(percentile(underChat, 50)), p95: round(percentile(underChat, 95)) },
    ratio: { p50: Number((percentile(underChat, 50) / percentile(idle, 50)).toFixed(2)), p95: Number((percentile(underChat, 95) / percentile(idle, 95)).toFixed(2)) },
    chatTokensPerSecond: Math.round(chatTokens / chatSeconds),
  };
  console.log(
    `completion latency, ${report.cases} cases: idle p50 ${report.idleMs.p50} ms, p95 ${report.idleMs.p95} ms; while a chat streams p50 ${report.underChatMs.p50} ms ` +
      `(${report.ratio.p50}x), p95 ${report.underChatMs.p95} ms (${report.ratio.p95}x); the chat decoded ${report.chatTokensPerSecond} tok/s meanwhile`,
  );
  return report;
}

async function main(): Promise<void> {
  const args = workloadBenchArgs('Usage: node out/bench/turns/completionUnderChat.js [--model DIR] [--cases N] [--threads N] [--out FILE]');
  if (!args) return;
  const report = await measureCompletionUnderChat(args);
  if (args.out) fs.writeFileSync(args.out, `${JSON.stringify(report, null, 2)}\n`);
}

if (require.main === module) {
  main().catch((error: unknown) => {
    console.error(error);
    process.exit(1);
  });
}
