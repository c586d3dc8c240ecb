/**
 * An instruct model's own conversation format: the Jinja template of its folder, rendered with `@huggingface/jinja`.
 * Hugging Face keeps it as `chat_template` in `tokenizer_config.json`, or (transformers 4.47 on) in a
 * `chat_template.jinja` file beside it, which transformers prefers when both are there. Base models have none; for
 * them the local engine writes a plain transcript (`formatChatPrompt`).
 */
import * as fs from 'node:fs';
import * as path from 'node:path';
import type { ChatMessage } from '../protocol/contract';

type JinjaModule = typeof import('@huggingface/jinja', { with: { 'resolution-mode': 'import' } });
// The package ships a CommonJS build (its `require` export) but declares its types as ESM only.
const { Template } = require('@huggingface/jinja') as JinjaModule;

export const tokenizerConfigFile = 'tokenizer_config.json';
/** The template on its own; a converter copies it into the model folder beside tokenizer_config.json. */
export const chatTemplateFile = 'chat_template.jinja';

/** A special token as tokenizer_config.json writes it: a string, or an added-token object. */
type SpecialToken = string | { content?: string } | null | undefined;

export interface TokenizerConfig {
  /** One template, or several by name (`default`, `tool_use`, ...). */
  chat_template?: string | { name: string; template: string }[];
  eos_token?: SpecialToken;
}

export interface ChatTemplate {
  /** The prompt for `messages`, ending where the assistant's answer starts. */
  render(messages: readonly ChatMessage[]): string;
  /** Text that ends an answer, for engines that stop on strings. */
  readonly eosToken?: string;
}

function tokenText(token: SpecialToken): string | undefined {
  return typeof token === 'string' ? token : (token?.content ?? undefined);
}

function templateSource(config: TokenizerConfig): string | undefined {
  const template = config.chat_template;
  if (Array.isArray(template)) return template.find((entry) => entry.name === 'default')?.template;
  return template;
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

/** `undefined` when the config has no chat template (a base model). Throws when the template does not parse. */
export function compileChatTemplate(config: TokenizerConfig): ChatTemplate | undefined {
  const source = templateSource(config);
  if (source === undefined) return undefined;
  const template = new Template(source);
  const eosToken = tokenText(config.eos_token);
  // bos_token is empty: engines add the beginning-of-sequence token themselves, as a token id.
  const render = (messages: readonly ChatMessage[]) =>
    template.render({ messages, bos_token: '', eos_token: eosToken ?? '', add_generation_prompt: true });
  return {
    eosToken,
    render(messages) {
      try {
        return render(messages);
      } catch (error) {
        const folded = foldSystemIntoFirstUser(messages);
        if (folded.length === messages.length) throw error;
        return render(folded);
      }
    },
  };
}

/**
 * The chat template of the model folder at `modelPath`: its chat_template.jinja, else its tokenizer_config.json's
 * `chat_template`; the end-of-text token comes from tokenizer_config.json either way.
 */
export function readChatTemplate(modelPath: string): ChatTemplate | undefined {
  const configFile = path.join(modelPath, tokenizerConfigFile);
  const jinjaFile = path.join(modelPath, chatTemplateFile);
  let config: TokenizerConfig = {};
  if (fs.existsSync(configFile)) {
    try {
      config = JSON.parse(fs.readFileSync(configFile, 'utf8')) as TokenizerConfig;
    } catch (error) {
      throw new Error(`${configFile}: not valid JSON (${(error as Error).message})`);
    }
  }
  // transformers reads the file in Python's text mode, which turns Windows line ends into \n.
  const jinja = fs.existsSync(jinjaFile) ? fs.readFileSync(jinjaFile, 'utf8').replace(/\r\n?/g, '\n') : undefined;
  try {
    return compileChatTemplate(jinja === undefined ? config : { ...config, chat_template: jinja });
  } catch (error) {
    throw new Error(`${jinja === undefined ? configFile : jinjaFile}: unusable chat_template (${(error as Error).message})`);
  }
}
