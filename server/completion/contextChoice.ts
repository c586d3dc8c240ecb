/**
 * The model's line against the rests of lines that followed the typed text elsewhere in the document or the context
 * snippets (see `contextCandidates.ts`): the engine scores every candidate as a whole line and the likeliest wins.
 *
 * Only the rest of a typed line is weighed. Also tried and left out (figures in bench/completion/README.md): names
 * from the context that the typed text begins, each finished by the model (a greedy run per name for almost no
 * gain), and the first line of a block on a blank line (copies of the line above, or of the lines that followed it
 * elsewhere), which lowered infilling.
 */
import type { CompletionRequest, Engine } from '../engines/engine';
import { contextContinuations, likeliest, type ContinuationSources } from './contextCandidates';
import type { ScoredPiece } from './confidence';

export interface ContextChoice {
  text: string;
  pieces: ScoredPiece[];
}

/**
 * A line from `sources` that the model finds likelier than `greedyLine` (the rest of the cursor's line it generated
 * for `request`), with its scored tokens; undefined when none is, or the engine cannot score.
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
  const copies = contextContinuations(linePrefix, sources).filter((copy) => copy !== greedyLine);
  if (copies.length === 0 || signal.aborted) return undefined;
  const scores = await engine.scoreContinuations(request, [greedyLine, ...copies], signal);
  const best = likeliest(scores);
  if (best === 0) return undefined;
  return { text: copies[best - 1], pieces: [{ text: copies[best - 1], logprobs: scores[best].tokenLogprobs }] };
}
