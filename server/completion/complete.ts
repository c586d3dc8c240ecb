/**
 * The inline-completion path shared by the LSP handler and `rook complete`: cursor context,
 * prompt (fill-in-the-middle when the engine takes a suffix, prefix-only otherwise), engine call,
 * post-processing.
 */
import { drain, type Engine } from '../engines/engine';
import { cursorContext, wantsMultiline } from './cursorContext';
import { postprocess } from './postprocess';

export interface CompletionOptions {
  maxTokens: number;
  temperature: number;
}

export interface CompletionAnswer {
  /** Text to insert at the cursor; empty when there is nothing worth showing. */
  insertText: string;
  multiline: boolean;
}

export async function completeAt(
  engine: Engine,
  text: string,
  offset: number,
  options: CompletionOptions,
  signal: AbortSignal,
): Promise<CompletionAnswer> {
  const context = cursorContext(text, offset);
  const multiline = wantsMultiline(context);
  const capabilities = await engine.capabilities(signal);
  const { text: raw } = await drain(
    engine.complete(
      {
        prompt: context.prefix,
        suffix: capabilities.fim ? context.suffix : undefined,
        maxTokens: multiline ? options.maxTokens : Math.min(options.maxTokens, 32),
        temperature: options.temperature,
        stop: multiline ? ['\n\n\n'] : ['\n'],
      },
      signal,
    ),
  );
  return { insertText: postprocess(raw, { ...context, multiline }), multiline };
}
