/**
 * The model's line against the rests of lines that followed the typed text elsewhere in the document or the context
 * snippets (see `contextCandidates.ts`): the engine scores every candidate as a whole line, and the one ranked first
 * by that score and its prior weight (a copy of a line that starts as the typed line does weighs more) wins.
 *
 * Only the rest of a typed line is weighed. Also tried and left out (figures in bench/completion/README.md): names
 * from the context that the typed text begins, each finished by the model (a greedy run per name for almost no
 * gain), and the first line of a block on a blank line (copies of the line above, or of the lines that followed it
 * elsewhere), which lowered infilling.
 */
import type { CompletionRequest, ContinuationToScore, Engine } from '../engines/engine';
import { contextContinuations, likeliest, type ContinuationSources } from './contextCandidates';
import type { ScoredPiece } from './confidence';

export interface ContextChoice {
  text: string;
  pieces: ScoredPiece[];
}

/**
 * A line's token log-probabilities with its prior weight added, first token first, none raised above certainty: the
 * line's probability times e^logPrior, at most 1. So the confidence threshold judges the line as it was ranked: a
 * copy of a repeated line that the model alone rates low is right about as often as the suggestions the threshold
 * shows (bench/completion/README.md). The first token is where the copy is chosen; the rest follow from it.
 */
export function withPrior(tokenLogprobs: readonly number[], logPrior: number): number[] {
  let left = logPrior;
  return tokenLogprobs.map((logprob) => {
    const raised = Math.min(0, logprob + left);
    left -= raised - logprob;
    return raised;
  });
}

/**
 * A line from `sources` that ranks above `greedyLine` (the rest of the cursor's line the model generated for
 * `request`) by the model's rating and its prior weight, with its scored tokens (prior included); undefined when none
 * does, or the engine cannot score.
 */
export async function chooseFromContext(
  engine: Engine,
  request: CompletionRequest,
  linePrefix: string,
  sources: ContinuationSources,
  greedyLine: string,
  signal: AbortSignal,
): Promise<ContextChoice | undefined> {
  if (!engine.scoreContinuations) return undefined;
  const copies = contextContinuations(linePrefix, sources).filter((copy) => copy.text !== greedyLine);
  if (copies.length === 0 || signal.aborted) return undefined;
  const continuations: ContinuationToScore[] = [{ text: greedyLine }, ...copies];
  const scores = await engine.scoreContinuations(request, continuations, signal);
  const best = likeliest(scores, continuations);
  if (best === 0) return undefined;
  const { text, logPrior = 0 } = continuations[best];
  return { text, pieces: [{ text, logprobs: withPrior(scores[best].tokenLogprobs, logPrior) }] };
}
