/**
 * The model's line against lines built from the prompt's own text (see `contextCandidates.ts`): rests of lines that
 * followed the typed text elsewhere, and names from the context that the typed text begins, each finished by the
 * model's own greedy rest of the line. The engine scores every candidate as a whole line and the likeliest wins.
 */
import { drain, type CompletionRequest, type Engine } from '../engines/engine';
import { contextContinuations, likeliest, nameCompletions } from './contextCandidates';
import type { ScoredPiece } from './confidence';

export interface ContextChoice {
  text: string;
  pieces: ScoredPiece[];
}

/**
 * A line from the context that the model finds likelier than `greedyLine` (the rest of the cursor's line it
 * generated for `request`), with its scored tokens; undefined when none is, or the engine cannot score.
 */
export async function chooseFromContext(engine: Engine, request: CompletionRequest, linePrefix: string, greedyLine: string, signal: AbortSignal): Promise<ContextChoice | undefined> {
  if (!engine.scoreContinuations) return undefined;
  const before = request.prompt;
  const after = request.suffix ?? '';
  const candidates = contextContinuations(linePrefix, before, after);
  for (const name of nameCompletions(linePrefix, before, after)) {
    if (signal.aborted) break;
    const rest = (await drain(engine.complete({ ...request, prompt: before + name }, signal))).text.split('\n')[0];
    candidates.push(name + rest);
  }
  const copies = [...new Set(candidates)].filter((copy) => copy !== greedyLine);
  if (copies.length === 0 || signal.aborted) return undefined;
  const scores = await engine.scoreContinuations(request, [greedyLine, ...copies], signal);
  const best = likeliest(scores);
  if (best === 0) return undefined;
  return { text: copies[best - 1], pieces: [{ text: copies[best - 1], logprobs: scores[best].tokenLogprobs }] };
}
