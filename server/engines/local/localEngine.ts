/**
 * The local engine: a Grok-family model folder run in-process by ONNX Runtime. A KV cache is kept between
 * requests and reused up to the longest common token prefix, so a request that extends the previous one (the next
 * keystroke) costs only its new tokens. Completions and chat keep separate caches (`KvSlot`), so a chat request
 * between two keystrokes does not cost the next keystroke a cold prompt, and a completion asked for while a chat
 * answer streams runs between two of its steps (`EngineTurns`); the chat cache is emptied after each
 * request when two full-context caches would take more than `separateChatCacheBytes` (512 MiB). Requests run one
 * at a time, each decode step checks the abort signal, and text is streamed as soon as it is safe to show (see
 * `TextStream`).
 *
 * Prompts longer than the context are left-truncated in blocks (see `promptTokens.ts`), leaving room for
 * `maxTokens` (at most half the context). A model whose config.json names fill-in-the-middle tokens gets a
 * completion request's `suffix` as a prefix-suffix-middle prompt, and generation ends at its end-of-text token.
 */
import * as fs from 'node:fs';
import * as path from 'node:path';
import type * as ort from 'onnxruntime-node';
import type { ChatMessage, EngineInfo, ExecutionProvider, FinishReason } from '../../protocol/contract';
import { readChatTemplate, type ChatTemplate } from '../../chat/chatTemplate';
import { modelFiles } from '../../model/modelFiles';
import { kvCacheShape, readModelConfig, type ModelConfig } from '../../model/config';
import { returnsAppendedKv } from '../../model/graphInterface';
import { EngineError, rankOf, type ChatRequest, type CompletionRequest, type ContinuationScore, type ContinuationToScore, type Engine, type EngineCapabilities, type EngineStats, type EndEvent, type PromptStats, type StreamEvent, type TextEvent, type TokenChoice } from '../engine';
import { DecoderSession, KvRowBuffer, type KvCacheLayout } from './decoderSession';
import { openSession, type ConcreteProvider } from './executionProvider';
import { LineTokenizer, type TokenizerJson } from './lineTokenizer';
import { readTokenizerFile, type TextCodec } from './tokenizerFile';
import { fimPromptTokens, plainPromptTokens } from './promptTokens';
import { chatPriority, completionPriority, EngineTurns, type TurnPriority } from './engineTurns';
import { commonPrefix, KvSlots, type KvSlot } from './kvSlots';
import { defaultLookup, draftFromContext, type LookupOptions } from './promptLookup';
import { StepBatcher, type BatchedStep } from './stepBatcher';
import { excludeTokens, logProbability, logSumExp, sampleToken, seededRandom, topLogProbabilities } from './sampler';
import { TextStream, type ShownText } from './textStream';
import { healingAllowed, healingCandidates, healingSplit, remainingAfter, restrictLogits } from './tokenHealing';

export interface LocalEngineOptions {
  modelPath: string;
  executionProvider: ExecutionProvider;
  /** Intra-op threads; 0 lets ONNX Runtime choose. */
  threads: number;
  /** Applied when a request samples (temperature > 0). */
  topK?: number;
  topP?: number;
  seed?: number;
  /** Prompt-lookup speculation for greedy requests (default `defaultLookup`); `false` decodes one token a run. */
  promptLookup?: LookupOptions | false;
  /**
   * Memory for KV caches (default `separateChatCacheBytes`): as many full-context sequences as fit (at most
   * `maxSequences`) are kept and decoded in one batch; when fewer than two fit, a chat's cache is emptied after use.
   */
  kvCachesBytes?: number;
  /** Most sequences decoded at once (default `defaultMaxSequences`). */
  maxSequences?: number;
}

/** What a generation needs from a completion or chat request. */
type GenerationRequest = Pick<CompletionRequest, 'maxTokens' | 'temperature' | 'stop' | 'topLogprobs' | 'notStartingWith'>;

/**
 * A prompt's tokens, the typed text its generation must first re-spell (token healing; empty for none), and the
 * tokens the prompt spelled that text with, which left it.
 */
interface PromptPlan {
  tokens: number[];
  heal: string;
  healTokens: number[];
}

/** Above this size, two full-context KV caches are not kept side by side (the chat one is emptied after use). */
export const separateChatCacheBytes = 512 * 1024 * 1024;

/**
 * Sequences decoded at once when their caches fit, in the editor's own engine: a completion, a chat and an edit at
 * once, each row also keeping a cached prefix for the next request. `rook serve` asks for more (`--max-sequences`).
 */
export const defaultMaxSequences = 4;

/** Counters for a prompt about to run. */
function emptyPromptStats(promptTokens: number): PromptStats {
  return { promptTokens, reusedTokens: 0, prefillMs: 0, generatedTokens: 0, decodeMs: 0, draftedTokens: 0, acceptedDraftTokens: 0 };
}

/** Bytes of one sequence's keys and values at full context (float32). */
function kvCacheBytes(config: ModelConfig): number {
  const { heads, width, valueIsKey } = kvCacheShape(config);
  return (valueIsKey ? 1 : 2) * config.numLayers * heads * width * config.contextLength * 4;
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
  private readonly slots: KvSlots;
  private readonly keepChatCache: boolean;
  /** Decode steps of concurrent sequences, run as one batch; absent where the caches are not rows of one buffer. */
  private readonly batcher?: StepBatcher<KvSlot>;
  private readonly turns = new EngineTurns();
  /** As many generations as there are KV slots run at once. */
  readonly concurrency: number;
  private readonly random: () => number;
  /** Set when the tokenizer's tokens never span a line break: prompts are then tokenized a changed line at a time. */
  private readonly lineTokenizer: LineTokenizer | undefined;
  private readonly batches = { runs: 0, steps: 0 };
  /** Completions generating now; while any does, chat answers pause between two of their steps. */
  private activeCompletions = 0;
  private completionsDone: Array<() => void> = [];
  private lastPrompt: PromptStats = emptyPromptStats(0);
  /** The tokenizer's special tokens: never chosen to re-spell typed text. */
  private readonly specialTokens: Set<number>;
  /** Each token's text for token healing (undefined where it cannot re-spell text), by id, built after load. */
  private readonly healingTexts: (string | undefined)[] = [];
  /** `tokensStartingWith`'s answers, by the characters asked about. */
  private readonly startingWith = new Map<string, readonly number[]>();
  /** A token decoded before others so that their word-start space is kept, and its own text. */
  private textAnchor?: { tokens: number[]; text: string };
  /** Tokens that end a line (end of text, or text starting with a line break), found on first use. */
  private lineEndTokens?: number[];

  private constructor(
    private readonly session: ort.InferenceSession,
    kvLayout: KvCacheLayout,
    private readonly tokenizer: TextCodec,
    tokenizerJson: TokenizerJson,
    readonly config: ModelConfig,
    readonly executionProvider: ConcreteProvider,
    private readonly options: LocalEngineOptions,
    private readonly chatTemplate: ChatTemplate | undefined,
  ) {
    this.info = { kind: 'local', model: path.basename(path.resolve(options.modelPath)), location: options.modelPath };
    this.random = seededRandom(options.seed ?? Date.now());
    const fitting = Math.floor((options.kvCachesBytes ?? separateChatCacheBytes) / kvCacheBytes(config));
    this.keepChatCache = fitting >= 2;
    const rows = Math.max(2, Math.min(options.maxSequences ?? defaultMaxSequences, fitting));
    if (kvLayout === 'shared' && this.keepChatCache) {
      const buffer = new KvRowBuffer(config, rows);
      const byRow: KvSlot[] = Array.from({ length: rows }, (_, row) => ({ decoder: new DecoderSession(session, config, kvLayout, { buffer, row }), tokens: [] }));
      this.slots = new KvSlots(byRow);
      this.batcher = new StepBatcher(this.turns, (steps) => this.runBatch(steps, byRow));
      this.concurrency = rows;
    } else {
      // One cache each for completions and chat, as separate buffers (GroupQueryAttention graphs on GPU providers, or
      // caches too big to batch).
      this.slots = new KvSlots([0, 1].map(() => ({ decoder: new DecoderSession(session, config, kvLayout), tokens: [] })));
      // Not batched: a second generation would only interleave its steps with the first's.
      this.concurrency = 1;
    }
    this.lineTokenizer = LineTokenizer.ifExact(tokenizerJson, (text) => this.encodeWhole(text));
    const added = Array.isArray(tokenizerJson.added_tokens) ? tokenizerJson.added_tokens : [];
    this.specialTokens = new Set(added.flatMap((token) => (token?.special === true && typeof token.id === 'number' ? [token.id] : [])));
    void this.buildTokenTexts();
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
    const { tokenizer, json: tokenizerJson } = readTokenizerFile(file(modelFiles.tokenizer), config.vocabSize);
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
    // Only a GroupQueryAttention graph on another provider needs the growing cache (see `KvCacheLayout`).
    const shared = provider === 'cpu' || returnsAppendedKv(session.outputNames);
    return new LocalEngine(session, shared ? 'shared' : 'growing', tokenizer, tokenizerJson, config, provider, options, chatTemplate);
  }

  async capabilities(): Promise<EngineCapabilities> {
    return { model: this.info.model, fim: this.config.fim !== undefined, contextLength: this.config.contextLength };
  }

  complete(request: CompletionRequest, signal: AbortSignal): AsyncIterable<StreamEvent> {
    return this.generate(completionPriority, (budget) => this.completionPlan(request, budget), request, signal);
  }

  async scoreContinuations(request: CompletionRequest, continuations: readonly ContinuationToScore[], signal: AbortSignal): Promise<ContinuationScore[]> {
    const { tokens: promptTokens, heal } = this.completionPlan(request, this.config.contextLength - this.generationLimit(request));
    const scores: ContinuationScore[] = continuations.map(() => ({ logprob: -Infinity, tokenLogprobs: [] }));
    const slot = await this.acquireSlot(promptTokens, completionPriority);
    try {
      // Copied: the logits after the prompt are read again after each continuation has run.
      const first = (await this.evaluatePrompt(slot, promptTokens, emptyPromptStats(promptTokens.length), completionPriority)).slice();
      const firstNormalizer = logSumExp(first);
      let best = -Infinity;
      for (const [index, continuation] of continuations.entries()) {
        if (signal.aborted) break;
        const tokens = this.encodeWhole(heal + continuation.text);
        if (tokens.length === 0 || slot.decoder.length + tokens.length >= this.config.contextLength) continue;
        // A line is never likelier than its first token: one that cannot rank above the best so far need not run.
        const bound = logProbability(first, tokens[0], firstNormalizer);
        if (rankOf(bound, continuation) <= best) {
          scores[index] = { logprob: bound, tokenLogprobs: [], pruned: true };
          continue;
        }
        const rows = [first, ...(await this.positionLogits(slot, tokens))];
        this.rewind(slot, tokens.length);
        let logprob = 0;
        const tokenLogprobs: number[] = [];
        // Tokens wholly inside the re-spelled text are not part of what would be shown; once one reaches past it, all
        // later ones carry text, so the prefix is decoded only until then.
        let showing = heal === '';
        for (const [position, token] of tokens.entries()) {
          const tokenLogprob = logProbability(rows[position], token, position === 0 ? firstNormalizer : logSumExp(rows[position]));
          logprob += tokenLogprob;
          showing ||= this.textOf(tokens.slice(0, position + 1)).length > heal.length;
          if (showing) tokenLogprobs.push(tokenLogprob);
        }
        scores[index] = { logprob: logprob + this.lineEndLogprob(rows[tokens.length]), tokenLogprobs };
        best = Math.max(best, rankOf(scores[index].logprob, continuation));
      }
    } finally {
      this.releaseSlot(slot, completionPriority);
    }
    return scores;
  }

  chat(request: ChatRequest, signal: AbortSignal): AsyncIterable<StreamEvent> {
    const template = this.chatTemplate;
    // Rendered inside the generation, so that a template's error ends the stream like any engine error.
    const prompt = async () => (template ? await template.render(request.messages) : formatChatPrompt(request.messages));
    const stop = template ? (template.eosToken ? [template.eosToken] : []) : ['\nUser:'];
    const plan = async (budget: number): Promise<PromptPlan> => ({ tokens: plainPromptTokens(this.bos, this.encode(await prompt()), budget), heal: '', healTokens: [] });
    return this.generate(chatPriority, plan, { ...request, stop: [...(request.stop ?? []), ...stop] }, signal);
  }

  stats(): EngineStats {
    return { lastPrompt: this.lastPrompt, batches: { ...this.batches } };
  }

  async dispose(): Promise<void> {
    const release = await this.turns.acquire(chatPriority);
    try {
      await this.session.release();
    } finally {
      release();
    }
  }

  encode(text: string): number[] {
    return this.lineTokenizer?.encode(text) ?? this.encodeWhole(text);
  }

  private encodeWhole(text: string): number[] {
    return this.tokenizer.encode(text);
  }

  /** `text`'s tokens without the last ones that cover a partly typed word, and the text those spelled (see `tokenHealing.ts`). */
  private healedPrefix(text: string): PromptPlan {
    const tokens = this.encode(text);
    const texts = this.tokenTexts();
    const healing = healingSplit(text, tokens, (count) => this.textOf(tokens.slice(tokens.length - count)));
    // A text that only its own token spells, and no token goes on from (a line break, say), has nothing to heal:
    // re-spelling it costs a step. One spelled in several tokens may still end in a token that longer ones extend.
    const healTokens = tokens.slice(healing.kept);
    const candidates = healing.text === '' ? undefined : healingCandidates(healing.text, texts, healTokens[0]);
    if (!candidates || (candidates.continuing.length === 0 && candidates.ending.length <= 1)) return { tokens, heal: '', healTokens: [] };
    return { tokens: tokens.slice(0, healing.kept), heal: healing.text, healTokens };
  }

  /** The text of `tokens` as it reads after other text (decoders drop a SentencePiece word-start space at the start). */
  private textOf(tokens: readonly number[]): string {
    if (!this.textAnchor) {
      const anchor = this.encodeWhole('a');
      this.textAnchor = { tokens: anchor, text: this.tokenizer.decode(anchor) };
    }
    return this.tokenizer.decode([...this.textAnchor.tokens, ...tokens]).slice(this.textAnchor.text.length);
  }

  /** Every token's text for token healing; what the idle build (`buildTokenTexts`) has not reached yet is done now. */
  private tokenTexts(): (string | undefined)[] {
    this.addTokenTexts(this.config.vocabSize);
    return this.healingTexts;
  }

  /** The tokens whose text starts, after any blanks, with one of `chars` (kept per `chars`: a pass over the vocabulary). */
  private tokensStartingWith(chars: string): readonly number[] {
    let ids: readonly number[] | undefined = this.startingWith.get(chars);
    if (!ids) {
      ids = this.tokenTexts().flatMap((text, id) => {
        const first = text?.trimStart()[0];
        return first !== undefined && chars.includes(first) ? [id] : [];
      });
      this.startingWith.set(chars, ids);
    }
    return ids;
  }

  /** Texts of the next `count` tokens not done yet. */
  private addTokenTexts(count: number): void {
    const texts = this.healingTexts;
    for (const end = Math.min(this.config.vocabSize, texts.length + count); texts.length < end; ) {
      const id = texts.length;
      const text = this.specialTokens.has(id) || this.endsText(id) || id === this.config.bosTokenId ? '' : this.textOf([id]);
      texts.push(text === '' || text.includes('\uFFFD') ? undefined : text);
    }
  }

  /**
   * Builds the token texts after load, a slice per event-loop turn: a large vocabulary takes seconds (151k tokens,
   * a decode each), which the first completion inside a word would otherwise wait for, and a request never waits
   * for more than one slice.
   */
  private async buildTokenTexts(): Promise<void> {
    while (this.healingTexts.length < this.config.vocabSize) {
      await new Promise((resume) => setImmediate(resume));
      this.addTokenTexts(2048);
    }
  }

  /** `buildPrompt(budget)` builds the prompt in at most `budget` tokens; it runs in the cache of a free slot. */
  private async *generate(priority: TurnPriority, buildPrompt: (budget: number) => PromptPlan | Promise<PromptPlan>, request: GenerationRequest, signal: AbortSignal): AsyncGenerator<StreamEvent> {
    const maxTokens = this.generationLimit(request);
    const { tokens: promptTokens, heal, healTokens } = await buildPrompt(this.config.contextLength - maxTokens);
    const slot = await this.acquireSlot(promptTokens, priority);
    try {
      yield* this.run(slot, promptTokens, maxTokens, request, signal, priority, heal, healTokens);
    } finally {
      this.releaseSlot(slot, priority);
    }
  }

  /** Tokens a request may generate: at most half the context, so that the prompt keeps the other half. */
  private generationLimit(request: GenerationRequest): number {
    return Math.max(0, Math.min(request.maxTokens, Math.floor(this.config.contextLength / 2)));
  }

  /** A completion's prompt in at most `budget` tokens: fill-in-the-middle where the model has it, healed where asked. */
  private completionPlan(request: CompletionRequest, budget: number): PromptPlan {
    const fim = this.config.fim;
    const { tokens: prefix, heal, healTokens } = request.tokenHealing ? this.healedPrefix(request.prompt) : { tokens: this.encode(request.prompt), heal: '', healTokens: [] };
    if (fim && request.suffix !== undefined) return { tokens: fimPromptTokens(this.bos, fim, prefix, this.encode(request.suffix), budget, this.config.fimLayout), heal, healTokens };
    return { tokens: plainPromptTokens(this.bos, prefix, budget), heal, healTokens };
  }

  /** A KV slot for `promptTokens` (the one whose cache shares most of it); a completion holds chat answers back meanwhile. */
  private async acquireSlot(promptTokens: number[], priority: TurnPriority): Promise<KvSlot> {
    const slot = await this.slots.acquire(promptTokens, priority);
    if (priority === completionPriority) this.activeCompletions++;
    return slot;
  }

  private releaseSlot(slot: KvSlot, priority: TurnPriority): void {
    if (priority === completionPriority && --this.activeCompletions === 0) for (const resume of this.completionsDone.splice(0)) resume();
    if (priority === chatPriority && !this.keepChatCache) {
      slot.decoder.clear();
      slot.tokens = [];
    }
    this.slots.release(slot);
  }

  /** The logits after each of `tokens`, run after the cache (in one run where the graph can keep every position's). */
  private async positionLogits(slot: KvSlot, tokens: readonly number[]): Promise<Float32Array[]> {
    const vocab = this.config.vocabSize;
    if (slot.decoder.keepsLogits) {
      const out = await this.step(slot, [...tokens], completionPriority, tokens.length);
      return tokens.map((_, i) => out.subarray(i * vocab, (i + 1) * vocab));
    }
    const rows: Float32Array[] = [];
    for (const token of tokens) rows.push((await this.step(slot, [token], completionPriority)).slice(-vocab));
    return rows;
  }

  /** Log-probability that the line ends next: end of text, or a token that starts with a line break. */
  private lineEndLogprob(logits: Float32Array): number {
    this.lineEndTokens ??= this.tokenTexts().flatMap((text, id) => (this.endsText(id) || text?.startsWith('\n') ? [id] : []));
    return logSumExp(this.lineEndTokens.map((id) => logits[id])) - logSumExp(logits);
  }

  /**
   * `heal`: typed text the first tokens must re-spell (not shown, and not counted against `maxTokens`), in the
   * prompt's own `healTokens` or with a token that goes on past it.
   */
  private async *run(slot: KvSlot, promptTokens: number[], maxTokens: number, request: GenerationRequest, signal: AbortSignal, priority: TurnPriority, heal: string, healTokens: readonly number[]): AsyncGenerator<StreamEvent> {
    const context = this.config.contextLength;
    let generated = 0;
    const end = (finishReason: FinishReason): EndEvent => ({ kind: 'end', finishReason, usage: { promptTokens: promptTokens.length, completionTokens: generated } });
    if (signal.aborted) return yield end('cancelled');

    const stats = this.newPromptStats(promptTokens.length);
    let logits = await this.evaluatePrompt(slot, promptTokens, stats, priority);
    let stepStarted = performance.now();
    const sampling = { temperature: request.temperature, topK: this.options.topK ?? 0, topP: this.options.topP ?? 1 };
    const text = new TextStream((tokens) => this.tokenizer.decode(tokens), request.stop ?? [], promptTokens[promptTokens.length - 1], heal);
    let unspelled = heal;
    let respelled = 0;
    // Until the answer has a non-blank character, tokens that would start it with one of `notStartingWith` are out.
    let avoided = request.notStartingWith ? this.tokensStartingWith(request.notStartingWith) : undefined;
    let limit = maxTokens;
    const alternatives = request.topLogprobs ?? 0;
    // What the model made of the tokens not yet shown as text (a held-back UTF-8 byte or stop-string prefix).
    const unshown: { logprob: number; top: TokenChoice[] }[] = [];
    const piece = (shown: ShownText): TextEvent => {
      const scored = unshown.splice(0, shown.tokens.length);
      const event: TextEvent = { kind: 'text', text: shown.text, tokens: shown.tokens, logprobs: scored.map((token) => token.logprob) };
      if (alternatives > 0) event.topLogprobs = scored.map((token) => token.top);
      return event;
    };
    // Greedy decoding drafts tokens by prompt lookup and verifies them in one run: `rows` are the logits for the
    // next positions, `drafted` the draft tokens already in the cache but not yet chosen by the model.
    const lookup = request.temperature === 0 && slot.decoder.keepsLogits ? this.options.promptLookup ?? defaultLookup : undefined;
    let rows = [logits];
    let drafted: number[] = [];
    for (;;) {
      logits = rows.shift()!;
      if (signal.aborted) return yield end('cancelled');
      if (generated >= limit || slot.decoder.length - drafted.length >= context) {
        const rest = text.flush();
        if (rest.text) yield piece(rest);
        return yield end('length');
      }
      // While typed text is being re-spelled, only tokens that spell it on may come; probabilities are among those.
      if (unspelled) logits = restrictLogits(logits, healingAllowed(logits, healingCandidates(unspelled, this.tokenTexts(), healTokens[respelled]), request.temperature <= 0));
      if (avoided) logits = excludeTokens(logits, avoided);
      const token = sampleToken(logits, sampling, this.random);
      generated++;
      if (avoided && (this.tokenTexts()[token] ?? '.').trim() !== '') avoided = undefined;
      // Only the next of `healTokens` leaves text to spell: any other allowed token spells the rest, or more.
      if (unspelled) {
        unspelled = remainingAfter(unspelled, this.tokenTexts()[token] ?? '');
        respelled++;
      }
      if (this.endsText(token)) {
        const rest = text.flush();
        if (rest.text) yield piece(rest);
        return yield end('stop');
      }
      // One normalizer for the chosen token and its alternatives: each is a pass over the vocabulary.
      const normalizer = logSumExp(logits);
      const likeliest = topLogProbabilities(logits, alternatives, normalizer);
      const texts = text.nextTexts(likeliest.map((choice) => choice.token));
      unshown.push({ logprob: logProbability(logits, token, normalizer), top: likeliest.map((choice, i) => ({ text: texts[i], logprob: choice.logprob })) });
      const shown = text.push(token);
      if (shown.skipped) {
        unshown.pop();
        limit++;
      }
      if (shown.text) yield piece(shown);
      if (shown.stopped) return yield end('stop');
      if (drafted.length > 0 && drafted[0] === token) {
        drafted.shift();
        stats.acceptedDraftTokens++;
      } else {
        if (drafted.length > 0) this.rewind(slot, drafted.length);
        const room = Math.min(limit - generated, context - slot.decoder.length - 1);
        // A chat answer waits while completions generate: ghost text is typed against, a chat answer read.
        if (priority === chatPriority && this.activeCompletions > 0) await new Promise<void>((resume) => this.completionsDone.push(resume));
        // Alone, a sequence runs its steps directly (a batch of one only adds the wait for others) and may draft:
        // drafts are checked in a run of their own, which is worth it only while no other sequence decodes.
        const alone = this.slots.busyCount === 1 || (priority === completionPriority && this.activeCompletions === 1);
        const draft = lookup && alone && room > 0 ? draftFromContext([...slot.tokens, token], { ...lookup, maxDraft: Math.min(lookup.maxDraft, room) }) : [];
        if (draft.length === 0 && this.batcher && !alone) {
          rows = [await this.batchedStep(slot, token, priority)];
        } else {
          const out = await this.step(slot, [token, ...draft], priority, 1 + draft.length);
          rows = Array.from({ length: 1 + draft.length }, (_, i) => out.subarray(i * this.config.vocabSize, (i + 1) * this.config.vocabSize));
        }
        drafted = draft;
        stats.draftedTokens += draft.length;
      }
      stats.generatedTokens++;
      stats.decodeMs += performance.now() - stepStarted;
      stepStarted = performance.now();
    }
  }

  /** The token prompts start with, or undefined for a model that starts them with none. */
  get bos(): number | undefined {
    return this.config.addBosToken ? this.config.bosTokenId : undefined;
  }

  /** End-of-text, another stop token of the tokenizer, or a FIM control token, which can only mean the model has finished the middle. */
  private endsText(token: number): boolean {
    const fim = this.config.fim;
    return token === this.config.eosTokenId || this.config.stopTokenIds.includes(token) || (fim !== undefined && (token === fim.prefix || token === fim.suffix || token === fim.middle));
  }

  /** A new request's counters, which `stats()` reports as the last prompt from now on. */
  private newPromptStats(promptTokens: number): PromptStats {
    this.lastPrompt = emptyPromptStats(promptTokens);
    return this.lastPrompt;
  }

  /** Evaluates the prompt after the longest cached prefix (at least its last token, for fresh logits). */
  private async evaluatePrompt(slot: KvSlot, tokens: number[], stats: PromptStats, priority: TurnPriority): Promise<Float32Array> {
    const started = performance.now();
    const reused = Math.min(commonPrefix(slot.tokens, tokens), tokens.length - 1);
    slot.decoder.truncate(reused);
    slot.tokens.length = reused;
    stats.reusedTokens = reused;
    const logits = await this.step(slot, tokens.slice(reused), priority);
    stats.prefillMs = performance.now() - started;
    return logits.subarray(logits.length - this.config.vocabSize);
  }

  /** Drops the last `count` cached positions (draft tokens the model did not choose). */
  private rewind(slot: KvSlot, count: number): void {
    slot.decoder.truncate(slot.decoder.length - count);
    slot.tokens.length -= count;
  }

  /**
   * Runs tokens after the cache, in a turn of its own, and keeps the cache's token list in step with it (emptied if
   * the run fails).
   */
  private async step(slot: KvSlot, tokens: number[], priority: TurnPriority, keep = 1): Promise<Float32Array> {
    let release = await this.turns.acquire(priority);
    // Between a long prompt's chunks the turn goes to a run of higher priority waiting, so a completion typed
    // while a chat's long prompt is evaluated waits for one chunk, not the whole prompt.
    const passTurn = async () => {
      release();
      release = await this.turns.acquire(priority);
    };
    try {
      const logits = await slot.decoder.forward(tokens, keep, passTurn);
      // Not push(...tokens): a long prompt is too many arguments for one call.
      for (const token of tokens) slot.tokens.push(token);
      return logits;
    } catch (error) {
      throw this.failed(slot, error);
    } finally {
      release();
    }
  }

  /** One token after the cache, decoded in a batch with the other sequences' steps asked for meanwhile. */
  private async batchedStep(slot: KvSlot, token: number, priority: TurnPriority): Promise<Float32Array> {
    try {
      const logits = await this.batcher!.step(slot, token, priority);
      slot.tokens.push(token);
      return logits;
    } catch (error) {
      throw this.failed(slot, error);
    }
  }

  private async runBatch(steps: readonly BatchedStep<KvSlot>[], byRow: readonly KvSlot[]): Promise<Float32Array[]> {
    const logits = await DecoderSession.forwardRows(
      steps.map((step) => ({ session: step.sequence.decoder, token: step.token })),
      byRow.map((slot) => slot.decoder),
    );
    this.batches.runs++;
    this.batches.steps += steps.length;
    // A full row the batch passed over gave up its last position: its token list follows.
    for (const slot of byRow) if (slot.tokens.length > slot.decoder.length) slot.tokens.length = slot.decoder.length;
    return logits;
  }

  private failed(slot: KvSlot, error: unknown): EngineError {
    slot.decoder.truncate(0);
    slot.tokens = [];
    return new EngineError(`local model failed: ${(error as Error).message}`, true);
  }
}
