/**
 * Starts the sidecar (`rook lsp --stdio`) through vscode-languageclient, keeps it configured,
 * restarts it with backoff when it crashes, and exposes it to the rest of the extension as a
 * `SidecarConnection`. Errors go to the status bar and the log, never to a stream of popups.
 */
import { randomUUID } from 'node:crypto';
import * as vscode from 'vscode';
import {
  CloseAction,
  ErrorAction,
  InlineCompletionRequest,
  LanguageClient,
  RevealOutputChannelOn,
  State,
  type InlineCompletionItem,
  type InlineCompletionList,
  type InlineCompletionParams,
  type Middleware,
  TransportKind,
  WorkDoneProgress,
  type LanguageClientOptions,
  type ServerOptions,
} from 'vscode-languageclient/node';
import {
  cancelModelConversionNotification,
  chatRequest,
  compareModelsRequest,
  completionContextNotification,
  configureRequest,
  discoverModelFilesRequest,
  discoverServersRequest,
  editRequest,
  modelConversionNotification,
  searchCodebaseRequest,
  statusNotification,
  statusRequest,
  textDeltaProgress,
  type Comparison,
  type CompletionContextParams,
  type DiscoveredModelFile,
  type DiscoveredServer,
  type ModelConversionParams,
  type GenerationResult,
  type InitializationOptions,
  type RookSettings,
  type SearchCodebaseParams,
  type SearchCodebaseResult,
  type SidecarStatus,
  type TextDelta,
} from '../../server/protocol/contract';
import { nextRestartDelay } from './backoff';
import type { ChatInput, CompareInput, EditInput, SidecarConnection, WorkProgress } from './connection';

/** URI schemes of the documents the sidecar is told about (the language client's document selector). */
export const sidecarSchemes = ['file', 'untitled', 'vscode-remote'];

type StreamingRequest = typeof chatRequest | typeof editRequest;

export class SidecarSupervisor implements SidecarConnection, vscode.Disposable {
  private client: LanguageClient | undefined;
  private currentStatus: SidecarStatus = { state: 'starting' };
  private readonly statusEmitter = new vscode.EventEmitter<SidecarStatus>();
  private readonly crashTimes: number[] = [];
  private disposed = false;
  readonly onDidChangeStatus = this.statusEmitter.event;
  private readonly conversionEmitter = new vscode.EventEmitter<ModelConversionParams>();
  /** A GGUF model's conversion in the sidecar: begin, percentages, end (`rook/modelConversion`). */
  readonly onModelConversion = this.conversionEmitter.event;
  /** One watcher for every (re)started client: file changes on disk, for the sidecar's workspace index. */
  private readonly fileWatcher = vscode.workspace.createFileSystemWatcher('**/*');
  /** Language-client middleware features add to before `start` (inline completions wrap their provider). */
  readonly middleware: Middleware = {};

  /**
   * `indexStoragePath`: where the sidecar may keep its workspace index; `modelCachePath`: where it converts GGUF models
   * to (both in the extension's global storage).
   */
  constructor(
    private readonly serverModule: string,
    private readonly log: vscode.LogOutputChannel,
    private readonly settings: () => Promise<RookSettings>,
    private readonly indexStoragePath?: string,
    private readonly modelCachePath?: string,
  ) {}

  get status(): SidecarStatus {
    return this.currentStatus;
  }

  /** The language client while the sidecar runs; requests and notifications are dropped or refused otherwise. */
  private get runningClient(): LanguageClient | undefined {
    return this.client?.state === State.Running ? this.client : undefined;
  }

  /** The sidecar's status as of now, with its completion counters (which it does not push); undefined while it is not running. */
  async freshStatus(): Promise<SidecarStatus | undefined> {
    return this.runningClient?.sendRequest(statusRequest);
  }

  async discoverServers(): Promise<DiscoveredServer[]> {
    const client = this.runningClient;
    if (!client) throw new Error('The Rook sidecar is not running; try again when the status bar shows it ready.');
    return client.sendRequest(discoverServersRequest, {});
  }

  /** The GGUF models in Ollama's and LM Studio's stores on this machine; rejects while the sidecar is not running. */
  async discoverModelFiles(): Promise<DiscoveredModelFile[]> {
    const client = this.runningClient;
    if (!client) throw new Error('The Rook sidecar is not running; try again when the status bar shows it ready.');
    return client.sendRequest(discoverModelFilesRequest);
  }

  /** Stops a GGUF model's conversion (the notification's Cancel button). */
  async cancelModelConversion(id: string): Promise<void> {
    await this.runningClient?.sendNotification(cancelModelConversionNotification, { id });
  }

  async compareModels(input: CompareInput, onProgress: (progress: WorkProgress) => void, token: vscode.CancellationToken): Promise<Comparison> {
    const client = this.runningClient;
    if (!client) throw new Error(this.currentStatus.message ?? 'The Rook sidecar is not running. Run "Rook: Restart Sidecar".');
    const workDoneToken = randomUUID();
    const subscription = client.onProgress(WorkDoneProgress.type, workDoneToken, (value) => {
      if (value.kind !== 'end') onProgress({ percentage: value.percentage, message: value.message });
    });
    try {
      return await client.sendRequest(compareModelsRequest, { ...input, workDoneToken }, token);
    } finally {
      subscription.dispose();
    }
  }

  async searchCodebase(params: SearchCodebaseParams): Promise<SearchCodebaseResult> {
    const client = this.runningClient;
    if (!client) throw new Error('The Rook sidecar is not running; try again when the status bar shows it ready.');
    return client.sendRequest(searchCodebaseRequest, params);
  }

  /** The sidecar's process id while it runs (tests use it to check for orphans and crashes). */
  get pid(): number | undefined {
    return (this.client as unknown as { _serverProcess?: { pid?: number } } | undefined)?._serverProcess?.pid;
  }

  private setStatus(status: SidecarStatus): void {
    this.currentStatus = status;
    this.statusEmitter.fire(status);
  }

  async start(): Promise<void> {
    const serverOptions: ServerOptions = {
      module: this.serverModule,
      // The stdio transport appends `--stdio` itself.
      args: ['lsp'],
      transport: TransportKind.stdio,
      options: { execArgv: [] },
    };
    const clientOptions: LanguageClientOptions = {
      documentSelector: sidecarSchemes.map((scheme) => ({ scheme })),
      outputChannel: this.log,
      middleware: this.middleware,
      // Settings (with the API key) arrive by `rook/configure` once the client runs, on every (re)start.
      initializationOptions: { settingsFollow: true, indexStoragePath: this.indexStoragePath, modelCachePath: this.modelCachePath } satisfies InitializationOptions,
      // File changes on disk reach the workspace index as `workspace/didChangeWatchedFiles`; it picks what it reads.
      synchronize: { fileEvents: this.fileWatcher },
      errorHandler: {
        error: () => ({ action: ErrorAction.Continue, handled: true }),
        closed: () => this.onClosed(),
      },
      // Rook reports failures in its status bar item; never pop the output channel up.
      revealOutputChannelOn: RevealOutputChannelOn.Never,
      initializationFailedHandler: (error) => {
        this.log.error(`Sidecar failed to initialize: ${String(error)}`);
        return false;
      },
    };
    this.client = new LanguageClient('rook', 'Rook', serverOptions, clientOptions);
    this.client.onNotification(statusNotification, (status) => this.setStatus(status));
    this.client.onNotification(modelConversionNotification, (params) => this.conversionEmitter.fire(params));
    this.client.onDidChangeState(({ newState }) => {
      if (newState === State.Running) void this.configure();
    });
    this.setStatus({ state: 'starting' });
    const started = Date.now();
    await this.client.start();
    this.log.info(`Sidecar started in ${Date.now() - started} ms (pid ${this.pid ?? '?'}).`);
  }

  private async onClosed() {
    if (this.disposed) return { action: CloseAction.DoNotRestart, handled: true };
    const now = Date.now();
    this.crashTimes.push(now);
    const delay = nextRestartDelay(this.crashTimes, now);
    if (delay === undefined) {
      const message = 'The Rook sidecar keeps crashing, so it is no longer restarted. See "Rook: Show Log", then run "Rook: Restart Sidecar".';
      this.log.error(message);
      this.setStatus({ state: 'error', message });
      return { action: CloseAction.DoNotRestart, handled: true };
    }
    this.log.warn(`Sidecar exited unexpectedly; restarting in ${delay} ms.`);
    this.setStatus({ state: 'starting', message: `Sidecar crashed; restarting in ${Math.round(delay / 100) / 10} s.` });
    await new Promise((resolve) => setTimeout(resolve, delay));
    return { action: CloseAction.Restart, handled: true };
  }

  /** Language-server context for a document's next completions; dropped while the sidecar is not running. */
  async sendCompletionContext(params: CompletionContextParams): Promise<void> {
    await this.runningClient?.sendNotification(completionContextNotification, params);
  }

  /**
   * An inline completion asked for outside VS Code's own provider call (a request started at the keystroke, see
   * `CompletionTrigger.prefetch`); null while the sidecar is not running.
   */
  async requestInlineCompletion(params: InlineCompletionParams, token: vscode.CancellationToken): Promise<InlineCompletionList | InlineCompletionItem[] | null> {
    return (await this.runningClient?.sendRequest(InlineCompletionRequest.type, params, token)) ?? null;
  }

  /** Sends the current settings (and API key) to the sidecar. */
  async configure(): Promise<void> {
    const client = this.runningClient;
    if (!client) return;
    try {
      const status = await client.sendRequest(configureRequest, { settings: await this.settings() });
      this.setStatus(status);
    } catch (error) {
      const message = `Settings rejected: ${(error as Error).message}`;
      this.log.error(message);
      this.setStatus({ state: 'error', message });
    }
  }

  /** Stops and starts the sidecar; also clears the crash history so restarts are allowed again. */
  async restart(): Promise<void> {
    this.crashTimes.length = 0;
    const old = this.client;
    this.client = undefined;
    if (old) {
      try {
        await old.stop(2000);
      } catch (error) {
        this.log.warn(`Stopping the sidecar: ${(error as Error).message}`);
      }
      await old.dispose(2000).catch(() => undefined);
    }
    await this.start();
  }

  chat(input: ChatInput, onDelta: (text: string) => void, token: vscode.CancellationToken): Promise<GenerationResult> {
    return this.stream(chatRequest, input, onDelta, token);
  }

  edit(input: EditInput, onDelta: (text: string) => void, token: vscode.CancellationToken): Promise<GenerationResult> {
    return this.stream(editRequest, input, onDelta, token);
  }

  private async stream<P extends object>(
    type: StreamingRequest,
    input: P,
    onDelta: (text: string) => void,
    token: vscode.CancellationToken,
  ): Promise<GenerationResult> {
    const client = this.runningClient;
    if (!client) {
      throw new Error(this.currentStatus.message ?? 'The Rook sidecar is not running. Run "Rook: Restart Sidecar".');
    }
    const partialResultToken = randomUUID();
    const subscription = client.onProgress(textDeltaProgress, partialResultToken, (part: TextDelta) => onDelta(part.delta));
    try {
      return await client.sendRequest(type as typeof chatRequest, { ...(input as any), partialResultToken }, token);
    } finally {
      subscription.dispose();
    }
  }

  async dispose(): Promise<void> {
    this.disposed = true;
    this.statusEmitter.dispose();
    this.conversionEmitter.dispose();
    this.fileWatcher.dispose();
    const client = this.client;
    this.client = undefined;
    if (client) await client.stop(3000).catch(() => undefined);
  }
}
