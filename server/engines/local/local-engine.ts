/**
 * The local engine: a Grok-family model folder run in-process by ONNX Runtime. One sequence's KV cache is kept
 * between requests and reused up to the longest common token prefix, so a request that extends the previous one
 * (the next keystroke) costs only its new tokens. Requests run one at a time, each decode step checks the abort
 * signal, and text is streamed as soon as it is safe to show (see `TextStream`).
 *
 * Prompts longer than the context are left-truncated: the newest tokens are kept, leaving room for `maxTokens`
 * (at most half the context). A model whose config.json names fill-in-the-middle tokens gets a completion request's
 * `suffix` as a prefix-suffix-middle prompt, and generation ends at its end-of-text token.
 */
import * as fs from 'node:fs';
import * as path from 'node:path';
import type { ChatMessage, EngineInfo, ExecutionProvider } from '../../protocol/contract';
import { readChatTemplate, type ChatTemplate } from '../../chat/chatTemplate';
import { modelFiles } from '../../model/build';
import { readModelConfig, type ModelConfig } from '../../model/config';
import { EngineError, type ChatRequest, type CompletionRequest, type Engine, type EngineCapabilities, type StreamEvent } from '../engine';
import { DecoderSession } from './decoder-session';
import { openSession, type ConcreteProvider } from './execution-provider';
import { fimPromptTokens, plainPromptTokens } from './prompt-tokens';
import { sampleToken, seededRandom } from './sampler';
import { TextStream } from './text-stream';

type TokenizersModule = typeof import('@huggingface/tokenizers', { with: { 'resolution-mode': 'import' } });
type Tokenizer = InstanceType<TokenizersModule['Tokenizer']>;
// The package ships a CommonJS build (its `require` export) but declares its types as ESM only.
const { Tokenizer } = require('@huggingface/tokenizers') as TokenizersModule;

export interface LocalEngineOptions {
  modelPath: string;
  executionProvider: ExecutionProvider;
  /** Intra-op threads; 0 lets ONNX Runtime choose. */
  threads: number;
  /** Applied when a request samples (temperature > 0). */
  topK?: number;
  topP?: number;
  seed?: number;
}

/** What the last request cost, for tests and status: prompt tokens evaluated vs. taken from the cache. */
export interface PromptStats {
  promptTokens: number;
  reusedTokens: number;
}

function readTokenizer(file: string): Tokenizer {
  let json: unknown;
  try {
    json = JSON.parse(fs.readFileSync(file, 'utf8'));
  } catch (error) {
    const reason = (error as NodeJS.ErrnoException).code ?? (error as Error).message;
    throw new EngineError(`${file}: cannot load the tokenizer (${reason})`, false);
  }
  try {
    // No clean-up of spaces before punctuation on decode: code must come back exactly as tokenized.
    return new Tokenizer(json as object, { clean_up_tokenization_spaces: false });
  } catch (error) {
    throw new EngineError(`${file}: not a usable tokenizer.json (${(error as Error).message})`, false);
  }
}

/**
 * Grok-1 is a base model without a chat template: a plain transcript that the model continues. Instruct
 * models bring their own template in tokenizer_config.json (see server/chat/chatTemplate.ts).
 */
export function formatChatPrompt(messages: readonly ChatMessage[]): string {
  const names = { system: 'System', user: 'User', assistant: 'Assistant' } as const;
  return `${messages.map((m) => `${names[m.role]}: ${m.content}`).join('\n\n')}\n\nAssistant:`;
}

export class LocalEngine implements Engine {
  readonly info: EngineInfo;
  private cachedTokens: number[] = [];
  private queue: Promise<void> = Promise.resolve();
  private readonly random: () => number;
  lastPrompt: PromptStats = { promptTokens: 0, reusedTokens: 0 };

  private constructor(
    private readonly decoder: DecoderSession,
    private readonly tokenizer: Tokenizer,
    readonly config: ModelConfig,
    readonly executionProvider: ConcreteProvider,
    private readonly options: LocalEngineOptions,
    private readonly chatTemplate: ChatTemplate | undefined,
  ) {
    this.info = { kind: 'local', model: path.basename(path.resolve(options.modelPath)), location: options.modelPath };
    this.random = seededRandom(options.seed ?? Date.now());
  }

  /** Opens a model folder; every failure names the file at fault. */
  static async load(options: LocalEngineOptions): Promise<LocalEngine> {
    const file = (name: string) => path.join(options.modelPath, name);
    let config: ModelConfig;
    try {
      config = readModelConfig(file(modelFiles.config));
    } catch (error) {
      throw new EngineError((error as Error).message, false);
    }
    const tokenizer = readTokenizer(file(modelFiles.tokenizer));
    let chatTemplate: ChatTemplate | undefined;
    try {
      chatTemplate = readChatTemplate(options.modelPath);
    } catch (error) {
      throw new EngineError((error as Error).message, false);
    }
    if (!fs.existsSync(file(modelFiles.onnx))) throw new EngineError(`${file(modelFiles.onnx)}: model graph not found; build the folder from its checkpoint with \`rook convert\``, false);
    const { session, provider } = await openSession(file(modelFiles.onnx), options.executionProvider, options.threads);
    const logits = session.outputNames.includes('logits');
    const kvInputs = session.inputNames.filter((name) => name.startsWith('past_key_values.')).length;
    if (!logits || kvInputs !== 2 * config.numLayers) {
      await session.release();
      throw new EngineError(`${file(modelFiles.onnx)}: graph does not match config.json (expected ${2 * config.numLayers} past_key_values inputs and a logits output)`, false);
    }
    const decoder = new DecoderSession(session, config, provider === 'cpu' ? 'shared' : 'growing');
    return new LocalEngine(decoder, tokenizer, config, provider, options, chatTemplate);
  }

  async capabilities(): Promise<EngineCapabilities> {
    return { model: this.info.model, fim: this.config.fim !== undefined, contextLength: this.config.contextLength };
  }

  complete(request: CompletionRequest, signal: AbortSignal): AsyncIterable<StreamEvent> {
    const fim = this.config.fim;
    if (fim && request.suffix !== undefined) {
      const { prompt, suffix } = request;
      return this.generate((budget) => fimPromptTokens(this.config.bosTokenId, fim, this.encode(prompt), this.encode(suffix), budget), request, signal);
    }
    return this.generate((budget) => plainPromptTokens(this.config.bosTokenId, this.encode(request.prompt), budget), request, signal);
  }

  chat(request: ChatRequest, signal: AbortSignal): AsyncIterable<StreamEvent> {
    const template = this.chatTemplate;
    // Rendered inside the generation, so that a template's error ends the stream like any engine error.
    const prompt = () => (template ? template.render(request.messages) : formatChatPrompt(request.messages));
    const stop = template ? (template.eosToken ? [template.eosToken] : []) : ['\nUser:'];
    return this.generate((budget) => plainPromptTokens(this.config.bosTokenId, this.encode(prompt()), budget), { ...request, stop: [...(request.stop ?? []), ...stop] }, signal);
  }

  async dispose(): Promise<void> {
    const release = await this.acquire();
    try {
      await this.decoder.release();
    } finally {
      release();
    }
  }

  encode(text: string): number[] {
    return this.tokenizer.encode(text, { add_special_tokens: false }).ids;
  }

  /** Waits for the requests ahead to finish; the returned function lets the next one run. */
  private async acquire(): Promise<() => void> {
    let release!: () => void;
    const turn = new Promise<void>((resolve) => (release = resolve));
    const previous = this.queue;
    this.queue = previous.then(() => turn);
    await previous;
    return release;
  }

  /** `promptTokens(budget)` builds the prompt in at most `budget` tokens. */
  private async *generate(promptTokens: (budget: number) => number[], request: { maxTokens: number; temperature: number; stop?: string[] }, signal: AbortSignal): AsyncGenerator<StreamEvent> {
    const release = await this.acquire();
    try {
      yield* this.run(promptTokens, request, signal);
    } finally {
      release();
    }
  }

  private async *run(buildPrompt: (budget: number) => number[], request: { maxTokens: number; temperature: number; stop?: string[] }, signal: AbortSignal): AsyncGenerator<StreamEvent> {
    const context = this.config.contextLength;
    const maxTokens = Math.max(0, Math.min(request.maxTokens, Math.floor(context / 2)));
    const promptTokens = buildPrompt(context - maxTokens);
    if (signal.aborted) return yield { kind: 'end', finishReason: 'cancelled' };

    let logits = await this.evaluatePrompt(promptTokens);
    const sampling = { temperature: request.temperature, topK: this.options.topK ?? 0, topP: this.options.topP ?? 1 };
    const text = new TextStream((tokens) => this.tokenizer.decode(tokens), request.stop ?? [], promptTokens[promptTokens.length - 1]);
    for (let produced = 0; ; produced++) {
      if (signal.aborted) return yield { kind: 'end', finishReason: 'cancelled' };
      if (produced >= maxTokens || this.decoder.length >= context) {
        const rest = text.flush();
        if (rest) yield { kind: 'text', text: rest };
        return yield { kind: 'end', finishReason: 'length' };
      }
      const token = sampleToken(logits, sampling, this.random);
      if (this.endsText(token)) {
        const rest = text.flush();
        if (rest) yield { kind: 'text', text: rest };
        return yield { kind: 'end', finishReason: 'stop' };
      }
      const piece = text.push(token);
      if (piece.text) yield { kind: 'text', text: piece.text };
      if (piece.stopped) return yield { kind: 'end', finishReason: 'stop' };
      logits = await this.step([token]);
    }
  }

  /** End-of-text, or a FIM control token, which can only mean the model has finished the middle. */
  private endsText(token: number): boolean {
    const fim = this.config.fim;
    return token === this.config.eosTokenId || (fim !== undefined && (token === fim.prefix || token === fim.suffix || token === fim.middle));
  }

  /** Evaluates the prompt after the longest cached prefix (at least its last token, for fresh logits). */
  private async evaluatePrompt(tokens: number[]): Promise<Float32Array> {
    let common = 0;
    while (common < this.cachedTokens.length && common < tokens.length && this.cachedTokens[common] === tokens[common]) common++;
    const reused = Math.min(common, tokens.length - 1);
    this.decoder.truncate(reused);
    this.cachedTokens.length = reused;
    this.lastPrompt = { promptTokens: tokens.length, reusedTokens: reused };
    const logits = await this.step(tokens.slice(reused));
    return logits.subarray(logits.length - this.config.vocabSize);
  }

  /** Runs tokens after the cache and keeps the cache's token list in step with it (emptied if the run fails). */
  private async step(tokens: number[]): Promise<Float32Array> {
    try {
      const logits = await this.decoder.forward(tokens);
      this.cachedTokens.push(...tokens);
      return logits;
    } catch (error) {
      this.decoder.truncate(0);
      this.cachedTokens = [];
      throw new EngineError(`local model failed: ${(error as Error).message}`, true);
    }
  }
}
