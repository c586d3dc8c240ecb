/**
 * An instruct model's own conversation format: the Jinja template of its folder, rendered with `@huggingface/jinja`.
 * Hugging Face keeps it as `chat_template` in `tokenizer_config.json`, or (transformers 4.47 on) in a
 * `chat_template.jinja` file beside it, which transformers prefers when both are there. Base models have none; for
 * them the local engine writes a plain transcript (`formatChatPrompt`).
 */
import * as fs from 'node:fs';
import * as path from 'node:path';
import type { ChatMessage } from '../protocol/contract';
import { parseTemplate } from './templateRender';
import { renderInSandbox } from './templateSandbox';

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
  /** The prompt for `messages`, ending where the assistant's answer starts; rendered apart (`templateSandbox.ts`). */
  render(messages: readonly ChatMessage[]): Promise<string>;
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

/** `undefined` when the config has no chat template (a base model). Throws when the template does not parse. */
export function compileChatTemplate(config: TokenizerConfig): ChatTemplate | undefined {
  const source = templateSource(config);
  if (source === undefined) return undefined;
  parseTemplate(source);
  const eosToken = tokenText(config.eos_token);
  return { eosToken, render: (messages) => renderInSandbox({ source, eosToken, messages }) };
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
