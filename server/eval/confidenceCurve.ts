/**
 * The confidence threshold's curve: for each threshold, the share of completion positions where a suggestion would
 * be shown, and the share of those shown that are right. "Right" is what a user would keep: an exact match, or at
 * least half of the expected text by edit similarity. The default `rook.completion.minConfidence` is read off this
 * curve (the lowest threshold whose shown suggestions are right at least half the time).
 */
import { editSimilarity, exactMatch } from './metrics';

export interface ScoredSuggestion {
  predicted: string;
  expected: string;
  /** First-line confidence (0-1); undefined when the engine gave none, then the suggestion is always shown. */
  confidence: number | undefined;
}

export interface CurvePoint {
  threshold: number;
  /** Positions with a suggestion shown, over all positions. */
  shown: number;
  /** Shown suggestions that are right, over those shown (0 when none is shown). */
  right: number;
  /** Shown suggestions that match exactly, over those shown. */
  exact: number;
}

export const keepSimilarity = 0.5;

export function isRight(predicted: string, expected: string): boolean {
  return exactMatch(predicted, expected) || editSimilarity(predicted, expected) >= keepSimilarity;
}

export const curveThresholds = Array.from({ length: 20 }, (_, i) => i / 20);

export function confidenceCurve(suggestions: readonly ScoredSuggestion[], thresholds: readonly number[] = curveThresholds): CurvePoint[] {
  const judged = suggestions.map((s) => ({ ...s, right: isRight(s.predicted, s.expected), exact: exactMatch(s.predicted, s.expected) }));
  return thresholds.map((threshold) => {
    const shown = judged.filter((s) => s.predicted.trim() !== '' && (s.confidence === undefined || s.confidence >= threshold));
    const share = (count: number, of: number) => (of === 0 ? 0 : count / of);
    return {
      threshold,
      shown: share(shown.length, judged.length),
      right: share(shown.filter((s) => s.right).length, shown.length),
      exact: share(shown.filter((s) => s.exact).length, shown.length),
    };
  });
}

/** The lowest threshold whose shown suggestions are right at least `target` of the time, if any is. */
export function lowestThresholdReaching(curve: readonly CurvePoint[], target: number): CurvePoint | undefined {
  return curve.find((point) => point.shown > 0 && point.right >= target);
}
