/**
 * The engine request for a completion, per model: the engine's own fill-in-the-middle when it
 * takes a suffix (the local engine with FIM tokens, servers that accept `suffix`), a FIM template
 * written into the prompt for remote code models known by name, or prefix-only for base models
 * such as Grok-1 (post-processing then keeps the answer from running into the suffix). Context
 * snippets always come first, before the stable prefix, so prompt caches keep hitting.
 */
import type { CompletionRequest, EngineCapabilities } from '../engines/engine';
import type { CursorContext } from './cursorContext';
import { fimTemplateFor } from './fimTemplates';

export type PromptStyle = 'engine-fim' | `template:${string}` | 'prefix-only';

export interface CompletionPrompt {
  request: Pick<CompletionRequest, 'prompt' | 'suffix' | 'stop' | 'tokenHealing'>;
  style: PromptStyle;
}

/**
 * Lines of suffix a single-line request sends. In a fill-in-the-middle prompt the suffix follows the
 * growing prefix, so every keystroke recomputes it; the rest of the line and the next few lines are
 * what a one-line answer needs.
 */
const singleLineSuffixLines = 3;

export function buildPrompt(capabilities: EngineCapabilities, context: CursorContext, snippets: string, multiline: boolean): CompletionPrompt {
  const prefix = snippets + context.prefix;
  const suffix = multiline ? context.suffix : firstLines(context.suffix, singleLineSuffixLines);
  const stop = multiline ? ['\n\n\n'] : ['\n'];
  if (capabilities.fim) return { request: { prompt: prefix, suffix, stop, tokenHealing: true }, style: 'engine-fim' };
  const template = fimTemplateFor(capabilities.model);
  if (template) {
    return { request: { prompt: template.build(prefix, suffix), stop: [...stop, ...template.stop] }, style: `template:${template.name}` };
  }
  return { request: { prompt: prefix, stop, tokenHealing: true }, style: 'prefix-only' };
}

function firstLines(text: string, count: number): string {
  let end = -1;
  for (let line = 0; line < count; line++) {
    end = text.indexOf('\n', end + 1);
    if (end === -1) return text;
  }
  return text.slice(0, end + 1);
}
