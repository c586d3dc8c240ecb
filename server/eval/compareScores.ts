/**
 * One candidate's scores from its answers to a comparison's cases: exact match and edit similarity to the removed
 * text, latency percentiles, tokens per second after the first text arrived, and the share of suggestions the
 * confidence threshold would show (non-empty, and as sure as `minConfidence` or from an engine that reports nothing).
 */
import type { CandidateScores } from '../protocol/contract';
import { confidenceCurve } from './confidenceCurve';
import { editSimilarity, exactMatch } from './metrics';

export interface CaseAnswer {
  predicted: string;
  expected: string;
  /** First-line confidence, 0-1, where the engine reports log-probabilities. */
  confidence?: number;
  /** From the request to the answer. */
  latencyMs: number;
  /** Tokens generated after the first text piece arrived, over the time from it to the last piece. */
  laterTokens: number;
  streamMs: number;
  tokensEstimated: boolean;
}

/** Nearest-rank percentile (`p` from 0 to 100) of `values`; 0 for none. */
export function percentile(values: readonly number[], p: number): number {
  if (values.length === 0) return 0;
  const sorted = [...values].sort((a, b) => a - b);
  const rank = Math.max(1, Math.ceil((p / 100) * sorted.length));
  return sorted[rank - 1];
}

const mean = (values: readonly number[]) => (values.length === 0 ? 0 : values.reduce((a, b) => a + b, 0) / values.length);

export function scoreCandidate(name: string, location: string, answers: readonly CaseAnswer[], minConfidence: number, error?: string): CandidateScores {
  const latencies = answers.map((a) => a.latencyMs);
  const streamMs = answers.reduce((sum, a) => sum + a.streamMs, 0);
  const laterTokens = answers.reduce((sum, a) => sum + a.laterTokens, 0);
  const [threshold] = confidenceCurve(
    answers.map((a) => ({ predicted: a.predicted, expected: a.expected, confidence: a.confidence })),
    [minConfidence],
  );
  return {
    name,
    location,
    cases: answers.length,
    exactMatch: mean(answers.map((a) => (exactMatch(a.predicted, a.expected) ? 1 : 0))),
    editSimilarity: mean(answers.map((a) => editSimilarity(a.predicted, a.expected))),
    latencyP50Ms: percentile(latencies, 50),
    latencyP95Ms: percentile(latencies, 95),
    ...(streamMs > 0 ? { tokensPerSecond: (laterTokens / streamMs) * 1000 } : {}),
    ...(answers.some((a) => a.tokensEstimated) ? { tokensEstimated: true } : {}),
    shown: threshold?.shown ?? 0,
    ...(error ? { error } : {}),
  };
}
