/**
 * The inline-completion path shared by the LSP handler and `rook complete`: cursor context within
 * a budget, prompt for the model (see `prompt.ts`), engine call, post-processing, the confidence threshold,
 * replace range.
 */
import type { Engine } from '../engines/engine';
import { charsPerToken } from './charsPerToken';
import { closerToAvoid } from './closerToAvoid';
import { chooseFromContext } from './contextChoice';
import { firstLineConfidence, type Confidence, type ScoredPiece } from './confidence';
import { unusableContentReason } from './contentCheck';
import { cursorContext, wantsMultiline } from './cursorContext';
import { earlyStop, type EarlyStopReason } from './earlyStop';
import { postprocess } from './postprocess';
import { buildPrompt, type PromptStyle } from './prompt';
import { promptBudget } from './promptBudget';
import { replacedSuffixLength } from './replaceRange';

export interface CompletionOptions {
  maxTokens: number;
  temperature: number;
  /**
   * Suggestions whose first-line confidence (geometric-mean token probability, see `confidence.ts`) is below this
   * are not shown; 0 or absent shows every one. Engines that report no log-probabilities are never held back.
   */
  minConfidence?: number;
  /** Milliseconds a multi-line answer may generate before it ends at its current line (default `multilineTimeBudgetMs`). */
  timeBudgetMs?: number;
}

export interface CompletionAnswer {
  /** Text to insert at the cursor; empty when there is nothing worth showing. */
  insertText: string;
  /** Characters after the cursor, on its line, that the insert replaces (closers it writes itself). */
  replaceLength: number;
  multiline: boolean;
  /** Set when no engine call was made, saying why. */
  skipped?: string;
  /** How the prompt was laid out for this model (logged, so a wrong FIM format is visible). */
  style?: PromptStyle;
  /** Set when generation stopped before the engine finished, saying why (see `earlyStop.ts`). */
  stoppedEarly?: EarlyStopReason;
  /** How sure the model was of the first line, where the engine reports log-probabilities. */
  confidence?: Confidence;
  /** Set when a suggestion was generated but held back by `minConfidence` (then `insertText` is empty). */
  belowConfidence?: boolean;
  /** Set when the model rated a line continuation copied from the prompt likelier than its own (see `contextChoice.ts`). */
  fromContext?: boolean;
}

/**
 * Characters of the document on each side of the cursor searched for lines to copy (`contextChoice.ts`): beyond the
 * model's window, as far as a search per keystroke stays cheap.
 */
const copySourceChars = 64 * 1024;

/** Context snippets for the prompt, already formatted, in at most `maxChars` characters (the index is searched asynchronously). */
export type SnippetSource = (maxChars: number) => string | Promise<string>;

/** Single-line completions are short (the median line is about 20 characters); Copilot stops at 20 tokens too. */
const singleLineMaxTokens = 20;

/**
 * After this long generating, a multi-line answer ends at its current line: ghost text that comes later than this
 * is mostly typed over before it is seen (the target is 250 ms from keystroke to ghost text at the 95th percentile).
 * Counted from the first streamed text, not the request: a remote engine that answers in one late chunk has
 * nothing left to wait for, and cutting it would only throw finished lines away.
 */
export const multilineTimeBudgetMs = 150;

export async function completeAt(
  engine: Engine,
  text: string,
  offset: number,
  options: CompletionOptions,
  signal: AbortSignal,
  snippets: SnippetSource = () => '',
): Promise<CompletionAnswer> {
  const skipped = unusableContentReason(text, offset);
  if (skipped) return { insertText: '', replaceLength: 0, multiline: false, skipped };
  const capabilities = await engine.capabilities(signal);
  const budget = promptBudget(capabilities.contextLength, options.maxTokens, charsPerToken(engine));
  const context = cursorContext(text, offset, budget);
  const multiline = wantsMultiline(context);
  const snippetText = await snippets(budget.snippetChars);
  const { request, style } = buildPrompt(capabilities, context, snippetText, multiline);
  const filterContext = { ...context, multiline };
  let raw = '';
  const pieces: ScoredPiece[] = [];
  let stoppedEarly: EarlyStopReason | undefined;
  let firstTextAt: number | undefined;
  const avoid = closerToAvoid(filterContext);
  const engineRequest = {
    ...request,
    maxTokens: multiline ? options.maxTokens : Math.min(options.maxTokens, singleLineMaxTokens),
    temperature: options.temperature,
    ...(avoid ? { notStartingWith: avoid } : {}),
  };
  const stream = engine.complete(engineRequest, signal);
  for await (const event of stream) {
    if (event.kind !== 'text') continue;
    raw += event.text;
    pieces.push({ text: event.text, logprobs: event.logprobs ?? [] });
    firstTextAt ??= performance.now();
    const pastTimeBudget = multiline && performance.now() - firstTextAt > (options.timeBudgetMs ?? multilineTimeBudgetMs);
    // The scope filters judge finished lines only: until a line ends (or time runs out) their verdict cannot change.
    if (!pastTimeBudget && !event.text.includes('\n')) continue;
    const stop = earlyStop(raw, filterContext, pastTimeBudget);
    if (stop) {
      // Leaving the loop ends the engine's stream (the local engine frees itself, a remote request is closed).
      ({ text: raw, reason: stoppedEarly } = stop);
      break;
    }
  }
  let fromContext = false;
  // The rest of one line, greedily: lines copied from the document and the snippets compete with the model's.
  if (!multiline && options.temperature === 0 && context.lineSuffix.trim() === '' && !signal.aborted) {
    const sources = { before: text.slice(Math.max(0, offset - copySourceChars), offset), after: text.slice(offset, offset + copySourceChars), snippets: snippetText };
    const choice = await chooseFromContext(engine, engineRequest, context.linePrefix, sources, raw.split('\n')[0], signal);
    if (choice) {
      ({ text: raw } = choice);
      pieces.splice(0, pieces.length, ...choice.pieces);
      fromContext = true;
    }
  }
  const confidence = firstLineConfidence(pieces);
  const processed = postprocess(raw, filterContext);
  const belowConfidence = processed !== '' && confidence !== undefined && confidence.mean < (options.minConfidence ?? 0);
  const insertText = belowConfidence ? '' : processed;
  return {
    insertText,
    replaceLength: replacedSuffixLength(insertText, context.prefix, context.lineSuffix),
    multiline,
    style,
    stoppedEarly,
    confidence,
    ...(belowConfidence ? { belowConfidence } : {}),
    ...(fromContext ? { fromContext } : {}),
  };
}
