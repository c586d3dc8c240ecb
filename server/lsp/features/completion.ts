/**
 * Inline completions (`textDocument/inlineCompletion`) and the context they use: what the extension found through
 * the language servers (`rook/completionContext`), chunks of the workspace index, similar code from open documents,
 * and recent edits. It keeps
 * the completion counters and latency that the status reports.
 */
import {
  InlineCompletionRequest,
  type CancellationToken,
  type Connection,
  type InlineCompletionList,
  type InlineCompletionParams,
  type RemoteConsole,
  type ServerCapabilities,
  type TextDocuments,
} from 'vscode-languageserver';
import type { TextDocument } from 'vscode-languageserver-textdocument';
import { completionContextNotification, type CompletionStats, type ContextSnippet, type SidecarStatus } from '../../protocol/contract';
import { completeAt } from '../../completion/complete';
import { definitionLines, formatCompletionContext, languageContextChars, parseCompletionContext, retrievedShare, selectLanguageContext } from '../../completion/languageContext';
import { RecentEdits } from '../../completion/recentEdits';
import { retrievalQuery, selectRetrieved } from '../../completion/retrieval';
import { cursorWindow, SnippetIndex } from '../../completion/snippets';
import type { Engine, PromptStats } from '../../engines/engine';
import { LatencyWindow } from '../../metrics/latency';
import type { EngineHost } from '../engineHost';
import { abortOn, toResponseError } from '../engineRequest';
import type { CodebaseFeature } from './codebase';
import { byName, parseInlineCompletionParams, positionWithin } from '../params';
import type { Feature } from './feature';

/** The length of `line` without its line break. */
function lineLength(document: TextDocument, line: number): number {
  const text = document.getText({ start: { line, character: 0 }, end: { line: line + 1, character: 0 } });
  return text.replace(/\r?\n$|\r$/, '').length;
}

export class CompletionFeature implements Feature {
  private readonly latency = new LatencyWindow();
  private readonly stats: CompletionStats = {
    requests: 0,
    engineCalls: 0,
    promptTokens: 0,
    reusedTokens: 0,
    prefillMs: 0,
    decodeMs: 0,
    generatedTokens: 0,
    answers: 0,
    answerMs: 0,
    scopeStops: 0,
    timeStops: 0,
    belowConfidence: 0,
    fromContext: 0,
  };
  private readonly recentEdits = new RecentEdits();
  private readonly snippetIndex = new SnippetIndex(this.recentEdits);
  /** Language-server context per document, as the extension last sent it. */
  private readonly languageContext = new Map<string, ContextSnippet[]>();
  /** Documents already reported as unusable for completions, so the log says it once. */
  private readonly skippedDocuments = new Set<string>();
  /** The completion prompt layout last logged, so the log says when it changes (another model, another engine). */
  private loggedPromptStyle: string | undefined;
  /** The engine's last prompt already counted (see `noteEngineCall`). */
  private countedPrompt: PromptStats | undefined;

  constructor(
    private readonly engineHost: EngineHost,
    private readonly documents: TextDocuments<TextDocument>,
    private readonly codebase: CodebaseFeature,
  ) {}

  initialize(connection: Connection): ServerCapabilities {
    // Not `connection.languages.inlineCompletion.on`, which reads the params (their work-done token) before checking them.
    connection.onRequest(
      InlineCompletionRequest.type,
      byName(InlineCompletionRequest.method, (params, token) => this.complete(connection.console, parseInlineCompletionParams(params), token)),
    );
    connection.onNotification(completionContextNotification, (params) => {
      const parsed = parseCompletionContext(params);
      if (!parsed.ok) connection.console.warn(`Ignored rook/completionContext: ${parsed.problem}.`);
      else this.languageContext.set(parsed.context.uri, parsed.context.snippets);
    });
    this.documents.onDidClose(({ document }) => {
      this.languageContext.delete(document.uri);
      this.snippetIndex.forget(document.uri);
      this.recentEdits.forget(document.uri);
      this.skippedDocuments.delete(document.uri);
    });
    return { inlineCompletionProvider: true };
  }

  /** The completion part of the sidecar status. */
  status(): Pick<SidecarStatus, 'completionLatency' | 'completionStats'> {
    return { completionLatency: this.latency.summary(), completionStats: { ...this.stats } };
  }

  private async complete(console: RemoteConsole, params: InlineCompletionParams, token: CancellationToken): Promise<InlineCompletionList | null> {
    const settings = this.engineHost.settings;
    if (!settings.completion.enabled) return null;
    const document = this.documents.get(params.textDocument.uri);
    if (!document) return null;
    // A position the document does not have (a stale or made-up one) gets no suggestion: offsetAt would clamp it to
    // the end, and the answer's range would echo the position back.
    if (!positionWithin(params.position, document.lineCount, (line) => lineLength(document, line))) return { items: [] };
    const used = this.engineHost.requireEngine();
    const controller = abortOn(token);
    const started = performance.now();
    this.stats.requests++;
    this.codebase.noteActivity();
    this.recentEdits.note(document.uri, params.position.line);
    const text = document.getText();
    const offset = document.offsetAt(params.position);
    const snippets = async (maxChars: number) => {
      const chosen = selectLanguageContext(this.languageContext.get(document.uri) ?? [], maxChars);
      const left = maxChars - languageContextChars(chosen);
      const query = retrievalQuery(text, offset);
      const found = query.length === 0 ? [] : await this.codebase.retrieve(query, { limit: 4, skipUri: document.uri });
      const retrieved = selectRetrieved(found, query, Math.floor(left * retrievedShare), definitionLines(chosen));
      const retrievedChars = retrieved.reduce((sum, snippet) => sum + snippet.text.length, 0);
      const covered = [...definitionLines(chosen), ...retrieved.map((snippet) => ({ uri: snippet.uri, firstLine: snippet.firstLine, lastLine: snippet.firstLine + snippet.text.split('\n').length - 1 }))];
      const window = cursorWindow(text, offset, params.position.line);
      const similar = this.snippetIndex.select(this.documents.all(), document.uri, window, left - retrievedChars, covered);
      return formatCompletionContext(chosen, similar, document.languageId, retrieved);
    };
    try {
      const answer = await completeAt(
        used,
        text,
        offset,
        { maxTokens: settings.completion.maxTokens, temperature: settings.completion.temperature, minConfidence: settings.completion.minConfidence },
        controller.signal,
        snippets,
      );
      if (answer.skipped) {
        if (!this.skippedDocuments.has(document.uri)) console.info(`No completions in ${document.uri}: ${answer.skipped}.`);
        this.skippedDocuments.add(document.uri);
        return { items: [] };
      }
      this.noteEngineCall(used);
      if (answer.style && answer.style !== this.loggedPromptStyle) {
        this.loggedPromptStyle = answer.style;
        console.info(`Completion prompts for ${used.info.model}: ${answer.style}.`);
      }
      if (controller.signal.aborted) return null;
      const answerMs = performance.now() - started;
      this.latency.add(answerMs);
      this.stats.answers++;
      this.stats.answerMs += answerMs;
      if (answer.stoppedEarly === 'scope') this.stats.scopeStops++;
      if (answer.stoppedEarly === 'time') this.stats.timeStops++;
      if (answer.belowConfidence) this.stats.belowConfidence++;
      if (answer.fromContext) this.stats.fromContext++;
      this.engineHost.noteOutcome(used);
      if (!answer.insertText) return { items: [] };
      const end = { line: params.position.line, character: params.position.character + answer.replaceLength };
      return { items: [{ insertText: answer.insertText, range: { start: params.position, end } }] };
    } catch (error) {
      this.noteEngineCall(used);
      if (controller.signal.aborted) return null;
      this.engineHost.noteOutcome(used, error);
      throw toResponseError(error);
    }
  }

  /**
   * Counts an engine call after a completion request ends. An engine with stats (the local one) reports a new
   * `lastPrompt` per prompt it runs, so there only prompts that really ran count (with their KV-prefix reuse and
   * timings), not requests cancelled before their turn; a remote engine's every request counts.
   */
  private noteEngineCall(used: Engine): void {
    const lastPrompt = used.stats?.().lastPrompt;
    if (!lastPrompt) {
      this.stats.engineCalls++;
      return;
    }
    if (lastPrompt === this.countedPrompt) return;
    this.countedPrompt = lastPrompt;
    this.stats.engineCalls++;
    this.stats.promptTokens += lastPrompt.promptTokens;
    this.stats.reusedTokens += lastPrompt.reusedTokens;
    this.stats.prefillMs += lastPrompt.prefillMs;
    this.stats.decodeMs += lastPrompt.decodeMs;
    this.stats.generatedTokens += lastPrompt.generatedTokens;
  }
}
