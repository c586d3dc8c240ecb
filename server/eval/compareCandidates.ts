/**
 * Runs every candidate engine on the same cases through the editor's completion path (`completeAt`: cursor context,
 * FIM or prefix prompt, post-processing), one candidate after another, greedy and with every suggestion kept so the
 * threshold's share can be counted. Each candidate first answers one untimed case, so a cold start (a model loading,
 * a server's first request) is not counted as latency. A candidate that fails stops with its error in its row; the
 * others still run. Aborting `signal` ends the comparison with the cases run so far.
 */
import { completeAt } from '../completion/complete';
import type { Engine } from '../engines/engine';
import type { CandidateScores } from '../protocol/contract';
import type { EvalCase } from './cases';
import { scoreCandidate, type CaseAnswer } from './compareScores';
import { MeteredEngine } from './meteredEngine';

export interface CompareOptions {
  maxTokens: number;
  /** The threshold the shown share is counted at (`rook.completion.minConfidence`). */
  minConfidence: number;
  signal: AbortSignal;
  /** After each case: cases done and in all (over every candidate), and the candidate running. */
  onCase?: (done: number, total: number, candidate: string) => void;
}

const firstLine = (text: string) => text.split('\n')[0];

/** "local · rook-moe-mini", "openai · qwen2.5-coder:1.5b" ("openai · ?" before a server has said what it serves). */
export function candidateName(engine: Engine): string {
  return `${engine.info.kind} · ${engine.info.model || '?'}`;
}

const message = (error: unknown) => (error as Error)?.message ?? String(error);

async function answer(engine: MeteredEngine, evalCase: EvalCase<string>, options: CompareOptions): Promise<CaseAnswer> {
  const started = performance.now();
  const result = await completeAt(engine, evalCase.document, evalCase.offset, { maxTokens: options.maxTokens, temperature: 0, minConfidence: 0 }, options.signal);
  const latencyMs = performance.now() - started;
  const meter = engine.last;
  const streamed = meter.firstTextAt !== undefined && meter.lastTextAt !== undefined && meter.lastTextAt > meter.firstTextAt;
  return {
    predicted: evalCase.task === 'line' ? firstLine(result.insertText) : result.insertText,
    expected: evalCase.expected,
    confidence: result.confidence?.mean,
    latencyMs,
    laterTokens: streamed ? meter.tokens - meter.firstPieceTokens : 0,
    streamMs: streamed ? meter.lastTextAt! - meter.firstTextAt! : 0,
    tokensEstimated: meter.estimated,
  };
}

export async function compareCandidates(cases: readonly EvalCase<string>[], engines: readonly Engine[], options: CompareOptions): Promise<CandidateScores[]> {
  const total = cases.length * engines.length;
  const rows: CandidateScores[] = [];
  for (const [index, engine] of engines.entries()) {
    const metered = new MeteredEngine(engine);
    const answers: CaseAnswer[] = [];
    let error: string | undefined;
    let name = candidateName(engine);
    try {
      // Detection also names the model a remote server serves.
      await engine.capabilities(options.signal);
      name = candidateName(engine);
      if (cases.length > 0 && !options.signal.aborted) await answer(metered, cases[0], options);
      for (const evalCase of cases) {
        if (options.signal.aborted) break;
        answers.push(await answer(metered, evalCase, options));
        options.onCase?.(index * cases.length + answers.length, total, name);
      }
    } catch (caught) {
      if (!options.signal.aborted) error = message(caught);
    }
    rows.push(scoreCandidate(name, engine.info.location, answers, options.minConfidence, error));
    if (options.signal.aborted) break;
  }
  return rows;
}
