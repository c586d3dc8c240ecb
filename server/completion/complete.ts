/**
 * The inline-completion path shared by the LSP handler and `rook complete`: cursor context within
 * a budget, prompt for the model (see `prompt.ts`), engine call, post-processing, replace range.
 */
import { drain, type Engine } from '../engines/engine';
import { charsPerToken } from './charsPerToken';
import { unusableContentReason } from './contentCheck';
import { cursorContext, wantsMultiline } from './cursorContext';
import { postprocess } from './postprocess';
import { buildPrompt, type PromptStyle } from './prompt';
import { promptBudget } from './promptBudget';
import { replacedSuffixLength } from './replaceRange';

export interface CompletionOptions {
  maxTokens: number;
  temperature: number;
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
}

/** Context snippets for the prompt, already formatted, in at most `maxChars` characters. */
export type SnippetSource = (maxChars: number) => string;

/** Single-line completions are short (the median line is about 20 characters); Copilot stops at 20 tokens too. */
const singleLineMaxTokens = 20;

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
  const { request, style } = buildPrompt(capabilities, context, snippets(budget.snippetChars), multiline);
  const { text: raw } = await drain(
    engine.complete(
      { ...request, maxTokens: multiline ? options.maxTokens : Math.min(options.maxTokens, singleLineMaxTokens), temperature: options.temperature },
      signal,
    ),
  );
  const insertText = postprocess(raw, { ...context, multiline });
  return { insertText, replaceLength: replacedSuffixLength(insertText, context.prefix, context.lineSuffix), multiline, style };
}
