/**
 * The sidecar: an ordinary LSP server (so other editors can use it too) plus Rook's `rook/*`
 * methods from the shared contract. It owns document state, the engine and its status; each
 * request maps onto the same core functions the CLI uses.
 */
import {
  TextDocuments,
  ResponseError,
  TextDocumentSyncKind,
  type Connection,
  type InitializeResult,
  type CancellationToken,
  type ResultProgressReporter,
  type PartialResultParams,
} from 'vscode-languageserver';
import { TextDocument } from 'vscode-languageserver-textdocument';
import {
  RookErrorCodes,
  chatRequest,
  completionContextNotification,
  configureRequest,
  defaultSettings,
  editRequest,
  statusNotification,
  statusRequest,
  textDeltaProgress,
  type EngineInfo,
  type GenerationResult,
  type RookSettings,
  type SidecarStatus,
  type TextDelta,
  type CompletionStats,
  type ContextSnippet,
} from '../protocol/contract';
import { completeAt } from '../completion/complete';
import { definitionLines, formatCompletionContext, languageContextChars, parseCompletionContext, selectLanguageContext } from '../completion/languageContext';
import { RecentEdits } from '../completion/recentEdits';
import { cursorWindow, SnippetIndex } from '../completion/snippets';
import { withSystemPrompt } from '../chat/chatPrompt';
import { drain, EngineError, type Engine, type StreamEvent } from '../engines/engine';
import type { PromptStats } from '../engines/local/local-engine';
import { selectEngine } from '../engines/select';
import { LatencyWindow } from '../metrics/latency';
import { planEditTask } from '../refactor/editTasks';
import { PreviewStream } from '../refactor/previewStream';
import { parseSettings } from './settings';

/** Reports streamed text as `$/progress` partial results when the client asked for them. */
function partialResults(connection: Connection, params: PartialResultParams): ResultProgressReporter<TextDelta> | undefined {
  const token = params.partialResultToken;
  if (token === undefined) return undefined;
  return { report: (delta) => void connection.sendProgress(textDeltaProgress, token, delta) };
}

/** An AbortSignal that follows an LSP cancellation token. */
function abortOn(token: CancellationToken): AbortController {
  const controller = new AbortController();
  if (token.isCancellationRequested) controller.abort();
  token.onCancellationRequested(() => controller.abort());
  return controller;
}

/** Maps engine failures to JSON-RPC errors the client can show as they are. */
function toResponseError(error: unknown): ResponseError<void> {
  if (error instanceof ResponseError) return error;
  if (error instanceof EngineError) return new ResponseError(RookErrorCodes.EngineFailed, error.message);
  return new ResponseError(RookErrorCodes.EngineFailed, `Rook sidecar error: ${(error as Error).message ?? String(error)}`);
}

/** `embeddedModelDir` is the model shipped with Rook, used when nothing else is configured. */
export function startLspServer(connection: Connection, embeddedModelDir?: string): void {
  const documents = new TextDocuments(TextDocument);
  const completionLatency = new LatencyWindow();
  const completionStats: CompletionStats = {
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
  };
  const recentEdits = new RecentEdits();
  const snippetIndex = new SnippetIndex(recentEdits);
  /** Language-server context per document, as the extension last sent it. */
  const languageContext = new Map<string, ContextSnippet[]>();
  /** Documents already reported as unusable for completions, so the log says it once. */
  const skippedDocuments = new Set<string>();
  /** The completion prompt layout last logged, so the log says when it changes (another model, another engine). */
  let loggedPromptStyle: string | undefined;
  let settings: RookSettings = defaultSettings;
  let engine: Engine | undefined;
  let status: SidecarStatus = { state: 'starting' };
  let configureGeneration = 0;
  let settingsFollow = false;

  const currentStatus = (): SidecarStatus => ({ ...status, completionLatency: completionLatency.summary(), completionStats: { ...completionStats } });

  const setStatus = (next: SidecarStatus) => {
    status = next;
    connection.sendNotification(statusNotification, currentStatus());
  };

  /** Replaces the engine per the settings and probes it; the status says what happened. */
  const configure = async (next: RookSettings): Promise<SidecarStatus> => {
    const generation = ++configureGeneration;
    settings = next;
    const previous = engine;
    engine = undefined;
    await previous?.dispose();
    setStatus({ state: 'starting' });
    const selection = await selectEngine(settings, embeddedModelDir);
    if (generation !== configureGeneration) {
      await selection.engine?.dispose();
      return status;
    }
    if (!selection.engine) {
      setStatus({ state: selection.broken ? 'error' : 'no-engine', message: selection.problem });
      return status;
    }
    const candidate = selection.engine;
    engine = candidate;
    setStatus({ state: 'starting', engine: candidate.info });
    try {
      await candidate.capabilities();
      if (generation === configureGeneration) setStatus({ state: 'ready', engine: { ...candidate.info } });
    } catch (error) {
      if (generation === configureGeneration) {
        const message = error instanceof EngineError ? error.message : String(error);
        connection.console.error(`Engine check failed: ${message}`);
        setStatus({ state: 'error', engine: candidate.info, message });
      }
    }
    return status;
  };

  const requireEngine = (): Engine => {
    if (engine) return engine;
    throw new ResponseError(RookErrorCodes.NoEngine, status.message ?? 'No engine is configured.');
  };

  /** After a request fails or succeeds, the status reflects whether the engine is usable. */
  const noteOutcome = (used: Engine, error?: unknown) => {
    if (used !== engine) return;
    if (error instanceof EngineError) setStatus({ state: 'error', engine: used.info, message: error.message });
    else if (!error && status.state !== 'ready') setStatus({ state: 'ready', engine: { ...used.info } });
  };

  const streamGeneration = async (
    used: Engine,
    stream: AsyncIterable<StreamEvent>,
    progress: ResultProgressReporter<TextDelta> | undefined,
    controller: AbortController,
    transform: (text: string) => string = (text) => text,
  ): Promise<GenerationResult> => {
    try {
      const { text, finishReason } = await drain(stream, (delta) => progress?.report({ delta }));
      noteOutcome(used);
      const info: EngineInfo = { ...used.info };
      return { text: transform(text), finishReason: controller.signal.aborted ? 'cancelled' : finishReason, engine: info };
    } catch (error) {
      if (controller.signal.aborted) return { text: '', finishReason: 'cancelled', engine: used.info };
      noteOutcome(used, error);
      throw toResponseError(error);
    }
  };

  connection.onInitialize((params): InitializeResult => {
    const options = params.initializationOptions as { settings?: unknown; settingsFollow?: boolean } | undefined;
    // Rook's extension sends settings right after start (`rook/configure`); other LSP clients may pass
    // them here, or get the defaults (the embedded model).
    settingsFollow = options?.settingsFollow === true;
    const initial = parseSettings(options?.settings);
    if (initial.ok) settings = initial.settings;
    return {
      capabilities: {
        textDocumentSync: TextDocumentSyncKind.Incremental,
        inlineCompletionProvider: true,
      },
      serverInfo: { name: 'rook', version: '0.1.0' },
    };
  });

  connection.onInitialized(() => {
    if (!settingsFollow) void configure(settings);
  });

  connection.onRequest(configureRequest, async (params) => {
    const parsed = parseSettings(params?.settings);
    if (!parsed.ok) throw new ResponseError(RookErrorCodes.InvalidParams, parsed.problem);
    return configure(parsed.settings);
  });

  connection.onRequest(statusRequest, currentStatus);

  connection.languages.inlineCompletion.on(async (params, token) => {
    if (!settings.completion.enabled) return null;
    const document = documents.get(params.textDocument.uri);
    if (!document) return null;
    const used = requireEngine();
    const controller = abortOn(token);
    const started = performance.now();
    completionStats.requests++;
    recentEdits.note(document.uri, params.position.line);
    const text = document.getText();
    const offset = document.offsetAt(params.position);
    const snippets = (maxChars: number) => {
      const chosen = selectLanguageContext(languageContext.get(document.uri) ?? [], maxChars);
      const window = cursorWindow(text, offset, params.position.line);
      const similar = snippetIndex.select(documents.all(), document.uri, window, maxChars - languageContextChars(chosen), definitionLines(chosen));
      return formatCompletionContext(chosen, similar, document.languageId);
    };
    try {
      const answer = await completeAt(
        used,
        text,
        offset,
        { maxTokens: settings.completion.maxTokens, temperature: settings.completion.temperature },
        controller.signal,
        snippets,
      );
      if (answer.skipped) {
        if (!skippedDocuments.has(document.uri)) connection.console.info(`No completions in ${document.uri}: ${answer.skipped}.`);
        skippedDocuments.add(document.uri);
        return { items: [] };
      }
      noteEngineCall(used);
      if (answer.style && answer.style !== loggedPromptStyle) {
        loggedPromptStyle = answer.style;
        connection.console.info(`Completion prompts for ${used.info.model}: ${answer.style}.`);
      }
      if (controller.signal.aborted) return null;
      const answerMs = performance.now() - started;
      completionLatency.add(answerMs);
      completionStats.answers++;
      completionStats.answerMs += answerMs;
      if (answer.stoppedEarly === 'scope') completionStats.scopeStops++;
      if (answer.stoppedEarly === 'time') completionStats.timeStops++;
      noteOutcome(used);
      if (!answer.insertText) return { items: [] };
      const end = { line: params.position.line, character: params.position.character + answer.replaceLength };
      return { items: [{ insertText: answer.insertText, range: { start: params.position, end } }] };
    } catch (error) {
      noteEngineCall(used);
      if (controller.signal.aborted) return null;
      noteOutcome(used, error);
      throw toResponseError(error);
    }
  });

  /**
   * Counts an engine call after a completion request ends. The local engine replaces `lastPrompt`
   * per prompt it runs, so there only prompts that really ran count (with their KV-prefix reuse and
   * timings), not requests cancelled before their turn; a remote engine's every request counts.
   */
  let countedPrompt: object | undefined;
  const noteEngineCall = (used: Engine) => {
    const lastPrompt = (used as { lastPrompt?: PromptStats }).lastPrompt;
    if (!lastPrompt) {
      completionStats.engineCalls++;
      return;
    }
    if (lastPrompt === countedPrompt) return;
    countedPrompt = lastPrompt;
    completionStats.engineCalls++;
    completionStats.promptTokens += lastPrompt.promptTokens;
    completionStats.reusedTokens += lastPrompt.reusedTokens;
    completionStats.prefillMs += lastPrompt.prefillMs;
    completionStats.decodeMs += lastPrompt.decodeMs;
    completionStats.generatedTokens += lastPrompt.generatedTokens;
  };

  connection.onNotification(completionContextNotification, (params) => {
    const parsed = parseCompletionContext(params);
    if (!parsed.ok) connection.console.warn(`Ignored rook/completionContext: ${parsed.problem}.`);
    else languageContext.set(parsed.context.uri, parsed.context.snippets);
  });

  documents.onDidClose(({ document }) => {
    languageContext.delete(document.uri);
    snippetIndex.forget(document.uri);
    recentEdits.forget(document.uri);
    skippedDocuments.delete(document.uri);
  });

  connection.onRequest(chatRequest, async (params, token) => {
    const resultProgress = partialResults(connection, params);
    if (!Array.isArray(params?.messages) || params.messages.some((m) => typeof m?.content !== 'string')) {
      throw new ResponseError(RookErrorCodes.InvalidParams, 'rook/chat needs messages: [{ role, content }].');
    }
    const used = requireEngine();
    const controller = abortOn(token);
    const stream = used.chat(
      {
        messages: withSystemPrompt(params.messages),
        maxTokens: params.maxTokens ?? 1024,
        temperature: params.temperature ?? 0.2,
      },
      controller.signal,
    );
    return streamGeneration(used, stream, resultProgress, controller);
  });

  connection.onRequest(editRequest, async (params, token) => {
    const resultProgress = partialResults(connection, params);
    if (typeof params?.original !== 'string' || typeof params?.instruction !== 'string') {
      throw new ResponseError(RookErrorCodes.InvalidParams, 'rook/edit needs original and instruction strings.');
    }
    const plan = planEditTask(params);
    if (!plan) throw new ResponseError(RookErrorCodes.InvalidParams, `rook/edit does not know the task "${params.task}".`);
    const used = requireEngine();
    const controller = abortOn(token);
    const stream = used.chat({ messages: plan.messages, maxTokens: 2048, temperature: 0 }, controller.signal);
    const preview = new PreviewStream(plan.preview);
    const previewProgress = resultProgress && {
      report: ({ delta }: TextDelta) => {
        const piece = preview.push(delta);
        if (piece) resultProgress.report({ delta: piece });
      },
    };
    return streamGeneration(used, stream, previewProgress, controller, plan.result);
  });

  connection.onShutdown(async () => {
    await engine?.dispose();
  });

  documents.listen(connection);
  connection.listen();
}
