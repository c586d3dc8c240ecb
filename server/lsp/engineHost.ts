/**
 * The sidecar's engine and the settings that choose it. Settings come with `initialize` or `rook/configure`; each
 * configuration replaces the engine (selected per the settings, then probed) and the status says what happened.
 * Requests take the engine from here and report how it fared, so the status also follows failures and recoveries.
 */
import { ResponseError, type Connection, type RemoteConsole, type ServerCapabilities } from 'vscode-languageserver';
import { RookErrorCodes, configureRequest, defaultSettings, type ConfigureParams, type RookSettings, type SidecarStatus } from '../protocol/contract';
import { EngineError, type Engine } from '../engines/engine';
import { selectEngine } from '../engines/select';
import { defaultModelCacheDir } from '../model/ggufCache';
import { childProcessConverter } from '../model/ggufConvertProcess';
import { ModelConversions } from './modelConversion';
import type { Feature } from './features/feature';
import { byName, shown } from './params';
import { parseSettings } from './settings';

export class EngineHost implements Feature {
  private currentSettings: RookSettings = defaultSettings;
  private engine: Engine | undefined;
  private currentStatus: SidecarStatus = { state: 'starting' };
  /** Counts configurations, so one that finishes after a newer one started changes nothing. */
  private configureGeneration = 0;
  /** Whether the client sends its settings with `rook/configure` after start, so `start` leaves the engine to that. */
  private settingsFollow = false;
  private readonly statusListeners: (() => void)[] = [];
  /** Where GGUF files in `rook.local.modelPath` are converted to: the client's folder, else the CLI's per-user cache. */
  private modelCacheDir: string | undefined;
  private readonly conversions = new ModelConversions(
    () => this.modelCacheDir ?? defaultModelCacheDir(),
    childProcessConverter(),
    // Only while no engine serves: a conversion left running for a model no longer configured says nothing.
    (message) => {
      if (!this.engine) this.setStatus({ state: 'starting', message });
    },
  );

  /** `embeddedModelDir` is the model shipped with Rook, used when nothing else is configured. */
  constructor(
    private readonly console: RemoteConsole,
    private readonly embeddedModelDir?: string,
  ) {}

  get settings(): RookSettings {
    return this.currentSettings;
  }

  get status(): SidecarStatus {
    return this.currentStatus;
  }

  /** `listener` runs on every status change (its errors are the caller's, as a direct call's would be). */
  onDidChangeStatus(listener: () => void): void {
    this.statusListeners.push(listener);
  }

  initialize(connection: Connection): ServerCapabilities {
    this.conversions.initialize(connection);
    connection.onRequest(
      configureRequest,
      byName('rook/configure', async (raw) => {
        const params = raw as Partial<ConfigureParams> | null;
        if (typeof params !== 'object' || params === null || typeof params.settings !== 'object' || params.settings === null) {
          throw new ResponseError(RookErrorCodes.InvalidParams, `rook/configure: params must be { settings: {...} }; got ${shown(raw)}.`);
        }
        const parsed = parseSettings(params.settings);
        if (!parsed.ok) throw new ResponseError(RookErrorCodes.InvalidParams, parsed.problem);
        return this.configure(parsed.settings);
      }),
    );
    return {};
  }

  /** Takes what the client passed as `initialize`'s `initializationOptions`. */
  applyInitializationOptions(raw: unknown): void {
    const options = raw as { settings?: unknown; settingsFollow?: boolean; modelCachePath?: unknown } | undefined;
    if (typeof options?.modelCachePath === 'string' && options.modelCachePath !== '') this.modelCacheDir = options.modelCachePath;
    // Rook's extension sends settings right after start (`rook/configure`); other LSP clients may pass
    // them here, or get the defaults (the embedded model).
    this.settingsFollow = options?.settingsFollow === true;
    const initial = parseSettings(options?.settings);
    if (initial.ok) this.currentSettings = initial.settings;
  }

  /** Once the client is initialized: configures the engine, unless the client's settings are still to come. */
  start(): void {
    if (!this.settingsFollow) void this.configure(this.currentSettings);
  }

  /** Replaces the engine per the settings and probes it; the status says what happened. */
  async configure(next: RookSettings): Promise<SidecarStatus> {
    const generation = ++this.configureGeneration;
    this.currentSettings = next;
    const previous = this.engine;
    this.engine = undefined;
    await previous?.dispose();
    this.setStatus({ state: 'starting' });
    // A conversion for a model these settings no longer name would only take the machine's time.
    this.conversions.keepOnly(next.local.modelPath.trim() || undefined);
    const selection = await selectEngine(this.currentSettings, this.embeddedModelDir, { prepareGguf: (file) => this.conversions.prepare(file) });
    if (generation !== this.configureGeneration) {
      await selection.engine?.dispose();
      return this.currentStatus;
    }
    if (!selection.engine) {
      this.setStatus({ state: selection.broken ? 'error' : 'no-engine', message: selection.problem });
      return this.currentStatus;
    }
    const candidate = selection.engine;
    this.engine = candidate;
    this.setStatus({ state: 'starting', engine: candidate.info });
    try {
      await candidate.capabilities();
      if (generation === this.configureGeneration) this.setStatus({ state: 'ready', engine: { ...candidate.info } });
    } catch (error) {
      if (generation === this.configureGeneration) {
        const message = error instanceof EngineError ? error.message : String(error);
        this.console.error(`Engine check failed: ${message}`);
        this.setStatus({ state: 'error', engine: candidate.info, message });
      }
    }
    return this.currentStatus;
  }

  requireEngine(): Engine {
    if (this.engine) return this.engine;
    throw new ResponseError(RookErrorCodes.NoEngine, this.currentStatus.message ?? 'No engine is configured.');
  }

  /** After a request fails or succeeds, the status reflects whether the engine is usable. */
  noteOutcome(used: Engine, error?: unknown): void {
    if (used !== this.engine) return;
    if (error instanceof EngineError) this.setStatus({ state: 'error', engine: used.info, message: error.message });
    else if (!error && this.currentStatus.state !== 'ready') this.setStatus({ state: 'ready', engine: { ...used.info } });
  }

  async dispose(): Promise<void> {
    this.conversions.dispose();
    await this.engine?.dispose();
  }

  private setStatus(next: SidecarStatus): void {
    this.currentStatus = next;
    for (const listener of this.statusListeners) listener();
  }
}
