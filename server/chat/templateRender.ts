/** Rendering a chat template with `@huggingface/jinja`, as the renderer's worker thread runs it (`templateWorker.ts`). */
import type { ChatMessage } from '../protocol/contract';

type JinjaModule = typeof import('@huggingface/jinja', { with: { 'resolution-mode': 'import' } });
// The package ships a CommonJS build (its `require` export) but declares its types as ESM only.
const { Template } = require('@huggingface/jinja') as JinjaModule;
export type JinjaTemplate = InstanceType<JinjaModule['Template']>;

/** Parses a template; throws on a syntax error. */
export function parseTemplate(source: string): JinjaTemplate {
  return new Template(source);
}

export interface RenderRequest {
  source: string;
  eosToken?: string;
  messages: readonly ChatMessage[];
}

/**
 * Many templates (Mistral's, Gemma's) reject a `system` role; for them the system text is put in front of
 * the first user message, which is what their model cards advise.
 */
function foldSystemIntoFirstUser(messages: readonly ChatMessage[]): ChatMessage[] {
  const system = messages.filter((m) => m.role === 'system').map((m) => m.content);
  const rest = messages.filter((m) => m.role !== 'system');
  const first = rest.findIndex((m) => m.role === 'user');
  if (system.length === 0 || first < 0) return [...messages];
  return rest.map((m, i) => (i === first ? { role: 'user', content: `${system.join('\n\n')}\n\n${m.content}` } : m));
}

let parsed: { source: string; template: JinjaTemplate } | undefined;

/** The prompt for `request.messages`, ending where the assistant's answer starts. */
export function renderChatTemplate(request: RenderRequest): string {
  if (parsed?.source !== request.source) parsed = { source: request.source, template: parseTemplate(request.source) };
  const { template } = parsed;
  // bos_token is empty: engines add the beginning-of-sequence token themselves, as a token id.
  const render = (messages: readonly ChatMessage[]) =>
    template.render({ messages, bos_token: '', eos_token: request.eosToken ?? '', add_generation_prompt: true });
  try {
    return render(request.messages);
  } catch (error) {
    const folded = foldSystemIntoFirstUser(request.messages);
    if (folded.length === request.messages.length) throw error;
    return render(folded);
  }
}
