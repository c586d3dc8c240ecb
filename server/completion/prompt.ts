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
  request: Pick<CompletionRequest, 'prompt' | 'suffix' | 'stop'>;
  style: PromptStyle;
}

export function buildPrompt(capabilities: EngineCapabilities, context: CursorContext, snippets: string, stop: string[]): CompletionPrompt {
  const prefix = snippets + context.prefix;
  if (capabilities.fim) return { request: { prompt: prefix, suffix: context.suffix, stop }, style: 'engine-fim' };
  const template = fimTemplateFor(capabilities.model);
  if (template) {
    return { request: { prompt: template.build(prefix, context.suffix), stop: [...stop, ...template.stop] }, style: `template:${template.name}` };
  }
  return { request: { prompt: prefix, stop }, style: 'prefix-only' };
}
