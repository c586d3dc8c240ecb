/**
 * The one contract between the Rook extension and its sidecar.
 *
 * Both sides import this module and nothing else from each other: the extension never reaches into
 * sidecar internals and the sidecar never imports extension code. Standard LSP is used where a method
 * exists (`textDocument/inlineCompletion`, LSP 3.18); everything Rook-specific is a `rook/*` method.
 * Streaming requests report partial results through LSP's `$/progress` (partialResultToken) and are
 * cancelled with `$/cancelRequest`.
 */
import {
  NotificationType,
  ProgressType,
  ProtocolRequestType,
  RequestType,
  RequestType0,
  type PartialResultParams,
  type WorkDoneProgressParams,
} from 'vscode-languageserver-protocol';

/** Which engine serves requests. `auto` prefers a configured remote endpoint, then the local model. */
export type EngineChoice = 'auto' | 'openai' | 'local';

export type ExecutionProvider = 'auto' | 'cpu' | 'cuda' | 'webgpu';

/** Settings the extension reads (machine/application scope only) and hands to the sidecar. */
export interface RookSettings {
  engine: EngineChoice;
  openai: {
    /** Base URLs such as `http://127.0.0.1:8000/v1`; several endpoints are tried in order. */
    endpoints: string[];
    /** Model name sent in requests; empty means "ask the endpoint's /v1/models". */
    model: string;
    /** From SecretStorage, never from settings.json. */
    apiKey?: string;
    /** Per-request timeout for the first byte, in milliseconds. */
    requestTimeoutMs: number;
  };
  local: {
    /** Model folder, or a GGUF file (converted once into the model cache); empty means the embedded model shipped with Rook. */
    modelPath: string;
    executionProvider: ExecutionProvider;
    threads: number;
  };
  completion: {
    enabled: boolean;
    maxTokens: number;
    temperature: number;
    /** Suggestions the model is less sure of than this (0-1, geometric-mean token probability of the first line) are not shown; 0 shows all. */
    minConfidence: number;
    /** Files never read or sent (`rook.completion.excludeGlobs`); the workspace index leaves them out too. */
    excludeGlobs: string[];
  };
  index: {
    /** Index the workspace folders (on this machine) for completions and `@codebase` chat. */
    enabled: boolean;
  };
}

/**
 * Files Rook never reads unless the user says otherwise (`rook.completion.excludeGlobs`'s default): secrets and keys.
 * The extension leaves matching documents out of the sidecar's document sync, the workspace index reads none of them,
 * and `rook eval --repo` and `rook/compareModels` cut no cases from them.
 */
export const defaultExcludeGlobs: readonly string[] = ['**/.env', '**/.env.*', '**/*.pem', '**/*.key', '**/.ssh/**', '**/secrets/**'];

export const defaultSettings: RookSettings = {
  engine: 'auto',
  openai: { endpoints: [], model: '', requestTimeoutMs: 30_000 },
  local: { modelPath: '', executionProvider: 'auto', threads: 0 },
  completion: { enabled: true, maxTokens: 64, temperature: 0, minConfidence: 0.7, excludeGlobs: [...defaultExcludeGlobs] },
  index: { enabled: true },
};

/** `initialize`'s `initializationOptions` as Rook's extension sends them (other LSP clients may send none). */
export interface InitializationOptions {
  /** Settings follow by `rook/configure` right after start, so no default engine is loaded meanwhile. */
  settingsFollow?: boolean;
  settings?: RookSettings;
  /** A folder on this machine where the sidecar keeps the workspace index between sessions (the extension's storage). */
  indexStoragePath?: string;
  /**
   * A folder on this machine where GGUF files named by `rook.local.modelPath` are converted to, once each (the
   * extension's storage). Without it the sidecar uses the CLI's per-user cache (`$XDG_CACHE_HOME/rook/models`).
   */
  modelCachePath?: string;
}

/** Where the workspace index stands (`rook/status`). */
export interface IndexStatus {
  state: 'off' | 'indexing' | 'ready';
  files: number;
  chunks: number;
  /** Files left out, by reason: over 256 KB, binary, minified, unreadable, or past the caps on files and chunks. */
  skipped: Partial<Record<'huge' | 'binary' | 'minified' | 'unreadable' | 'limit', number>>;
}

/** A piece of a workspace file the index found. */
export interface CodebaseChunk {
  uri: string;
  /** Relative to its workspace folder, with `/` separators. */
  path: string;
  /** Zero-based, inclusive. */
  firstLine: number;
  lastLine: number;
  text: string;
}

export interface SearchCodebaseParams {
  /** Words or code; ranked by BM25 over identifiers split as code names them. */
  query: string;
  /** Only files under this folder (relative to a workspace folder), from `@folder:PATH`. */
  within?: string;
  /** Most chunks to return (default 8). */
  limit?: number;
}

export interface SearchCodebaseResult {
  chunks: CodebaseChunk[];
  index: IndexStatus;
}

export type SidecarState = 'starting' | 'ready' | 'busy' | 'no-engine' | 'error';

export interface EngineInfo {
  /** `openai` or `local`. */
  kind: 'openai' | 'local';
  /** Model name as the engine reports it. */
  model: string;
  /** Endpoint URL for remote engines; model folder for local ones. */
  location: string;
}

export interface LatencySummary {
  count: number;
  p50Ms: number;
  p90Ms: number;
}

/** Inline-completion counters since the sidecar started (benchmarks and diagnostics read them). */
export interface CompletionStats {
  requests: number;
  /** Prompts the engine ran (local engine) or requests it answered (remote); the rest were skipped or cancelled first. */
  engineCalls: number;
  /** Prompt tokens of local-engine calls, and how many of them came from the reused KV prefix. */
  promptTokens: number;
  reusedTokens: number;
  /** Local-engine time: the prompt's forward pass, then generating `generatedTokens` (sampling and decoding included). */
  prefillMs: number;
  decodeMs: number;
  generatedTokens: number;
  /** Requests answered after running the engine, and their time from request to answer (the latency summarized above). */
  answers: number;
  answerMs: number;
  /** Generations stopped early: cut by the scope filters at a finished line, or at a line end past the time budget. */
  scopeStops: number;
  timeStops: number;
  /** Suggestions generated but not shown, the model being less sure of them than `minConfidence`. */
  belowConfidence: number;
  /** Answers that were a line copied from the prompt, which the model rated above its own line (`completion/contextChoice.ts`). */
  fromContext: number;
}

export interface SidecarStatus {
  state: SidecarState;
  engine?: EngineInfo;
  /** Human-readable, actionable: what is wrong and what to do. */
  message?: string;
  completionLatency?: LatencySummary;
  completionStats?: CompletionStats;
  index?: IndexStatus;
}

/**
 * Context for completions in one document that only VS Code can find, from the language servers it
 * runs: the declarations of symbols near the cursor, and the exported signatures of workspace files
 * the document imports. The extension sends it (`rook/completionContext`) before a completion request.
 */
export interface ContextSnippet {
  kind: 'definition' | 'import';
  /** The file the text comes from. */
  uri: string;
  /** Zero-based line of the file where `text` starts. */
  firstLine: number;
  /** The symbol defined (definitions) or the module specifier (imports). */
  name: string;
  text: string;
}

export interface CompletionContextParams {
  /** The document being completed in. */
  uri: string;
  /** Its version when the context was gathered (it may lag behind by a few keystrokes). */
  version: number;
  /** Most relevant first. */
  snippets: ContextSnippet[];
}

export interface ConfigureParams {
  settings: RookSettings;
}

export type ChatRole = 'system' | 'user' | 'assistant';

/** Every chat role, for the sidecar's and `rook serve`'s checks of a request (own keys: `Object.hasOwn`). */
export const chatRoles = { system: true, user: true, assistant: true } as const satisfies Record<ChatRole, true>;

export interface ChatMessage {
  role: ChatRole;
  content: string;
}

export interface ChatParams extends PartialResultParams, WorkDoneProgressParams {
  messages: ChatMessage[];
  maxTokens?: number;
  temperature?: number;
}

/** One streamed piece of an answer. */
export interface TextDelta {
  delta: string;
}

export type FinishReason = 'stop' | 'length' | 'cancelled';

export interface GenerationResult {
  text: string;
  finishReason: FinishReason;
  engine?: EngineInfo;
}

/** Test frameworks Rook writes tests for; the extension detects the one a project uses. */
export type TestFramework = 'jest' | 'vitest' | 'mocha' | 'node:test' | 'pytest';

/**
 * What a `rook/edit` request makes of `original`: `rewrite` (the default) rewrites it by `instruction`;
 * `tests` writes a test file for it (`original` is the source file) in `testFramework`; `commitMessage`
 * writes a commit message for it (`original` is a staged diff).
 */
export type EditTask = 'rewrite' | 'tests' | 'commitMessage';

export interface EditParams extends PartialResultParams, WorkDoneProgressParams {
  uri: string;
  languageId: string;
  /** The selected text to rewrite. */
  original: string;
  instruction: string;
  task?: EditTask;
  testFramework?: TestFramework;
}

/** A model server found on this machine's loopback interface (`rook/discoverServers`). */
export interface DiscoveredServer {
  /** What answered, as identified by its API: "Ollama 0.5.7", "llama.cpp server", "LM Studio", "vLLM", "rook serve". */
  name: string;
  /** The OpenAI-compatible base URL, e.g. `http://127.0.0.1:11434/v1`. */
  baseUrl: string;
  /** Its models; `fim` is undefined where finding out would make the server load the model. */
  models: { id: string; fim?: boolean }[];
}

export interface DiscoverServersParams {
  /** Loopback ports to probe instead of the common servers' defaults (11434, 8080, 1234, 8000). */
  ports?: number[];
}

/**
 * `rook/modelConversion`: a GGUF file in `rook.local.modelPath` being converted into the model cache (first use of
 * that file). Sent by the sidecar as the conversion begins, as its percentage changes, and when it ends. A custom
 * notification rather than server-initiated work-done progress because VS Code's language client shows the latter
 * only in the status bar, without a percentage or a Cancel button; the extension shows it as a notification.
 */
export interface ModelConversionParams {
  /** One conversion; `rook/cancelModelConversion` names it. */
  id: string;
  /** The GGUF file. */
  file: string;
  kind: 'begin' | 'report' | 'end';
  /** 0-100. */
  percentage?: number;
  message?: string;
  /** With `end`: whether the model folder was made, the user cancelled, or the conversion failed (the status says why). */
  outcome?: 'converted' | 'cancelled' | 'failed';
}

export interface CancelModelConversionParams {
  id: string;
}

/** A GGUF model file on this machine, in another program's model store (`rook/discoverModelFiles`). */
export interface DiscoveredModelFile {
  /** The store: "Ollama" or "LM Studio". */
  source: 'Ollama' | 'LM Studio';
  /** As that program names it: Ollama's `model:tag` (`namespace/model:tag` outside its library), LM Studio's `publisher/repo/file.gguf`. */
  name: string;
  /** The GGUF file itself (for Ollama, its blob), the value `rook.local.modelPath` takes. */
  file: string;
  sizeBytes: number;
  /** `general.architecture` from the file's header; undefined when the header could not be read. */
  architecture?: string;
  /** Whether Rook converts and runs this architecture; when false, `problem` says why. */
  runnable: boolean;
  problem?: string;
  /** Ollama only: its template takes a suffix (`{{ .Suffix }}`), i.e. the model does fill-in-the-middle. */
  fim?: boolean;
}

/** `rook/compareModels`: completion cases cut from a folder's own files, run on the embedded model and the configured engine. */
export interface CompareModelsParams extends WorkDoneProgressParams {
  /** The folder the cases are cut from (a workspace folder's path); its `.gitignore` files are honoured. */
  root: string;
  /** Files never read (the user's `rook.completion.excludeGlobs`); `defaultExcludeGlobs` when absent. */
  excludeGlobs?: string[];
  /** How many cases, half line completions and half infills (default 40). */
  cases?: number;
  /** The seed that picks them (default 1): the same seed on the same files gives the same cases. */
  seed?: number;
}

/** One candidate model's scores on the comparison's cases. */
export interface CandidateScores {
  /** Engine kind and model, e.g. "local · rook-moe-mini", "openai · qwen2.5-coder". */
  name: string;
  /** The model folder or endpoint URL. */
  location: string;
  /** Cases run (fewer than asked when the candidate failed or the comparison was cancelled). */
  cases: number;
  /** Shares, 0-1: completions equal to the removed text, and the mean edit similarity to it. */
  exactMatch: number;
  editSimilarity: number;
  /** Time from request to answer, per case. */
  latencyP50Ms: number;
  latencyP95Ms: number;
  /** Generated tokens per second after each answer's first token; undefined when no answer streamed over time. */
  tokensPerSecond?: number;
  /** True when the engine reported no tokens and `tokensPerSecond` counts estimated ones (characters / chars-per-token). */
  tokensEstimated?: boolean;
  /** Share of cases, 0-1, whose suggestion the confidence threshold would show (non-empty and sure enough). */
  shown: number;
  /** Why the candidate stopped before its last case, if it did. */
  error?: string;
}

export interface Comparison {
  /** The folder the cases came from, and how many code files it offered (after .gitignore and exclusions). */
  root: string;
  files: number;
  seed: number;
  /** Line-completion and infill cases cut. */
  lineCases: number;
  infillCases: number;
  /** The `rook.completion.minConfidence` the `shown` share is counted at. */
  minConfidence: number;
  candidates: CandidateScores[];
  /** Set when the request was cancelled: the scores cover the cases run until then. */
  cancelled?: boolean;
}

/**
 * Compares the embedded model with the configured engine on completion cases cut from `root`'s files, through the
 * same completion path as inline completions. Reports through work-done progress (`workDoneToken`), stops on
 * `$/cancelRequest`.
 */
export const compareModelsRequest = new ProtocolRequestType<CompareModelsParams, Comparison, never, void, void>('rook/compareModels');

/** The workspace chunks that best match a query (`@codebase` in chat); empty while the index is off. */
export const searchCodebaseRequest = new RequestType<SearchCodebaseParams, SearchCodebaseResult, void>('rook/searchCodebase');

/** Probes loopback ports for local model servers; nothing is sent to any other address. */
export const discoverServersRequest = new RequestType<DiscoverServersParams, DiscoveredServer[], void>('rook/discoverServers');

/** GGUF models in Ollama's local store and LM Studio's models folder; only headers are read, and every walk is bounded. */
export const discoverModelFilesRequest = new RequestType0<DiscoveredModelFile[], void>('rook/discoverModelFiles');
/** Progress of a GGUF file's conversion into the model cache (sidecar to client). */
export const modelConversionNotification = new NotificationType<ModelConversionParams>('rook/modelConversion');
/** Stops a conversion (client to sidecar): its partial folder is removed and the status says how to retry. */
export const cancelModelConversionNotification = new NotificationType<CancelModelConversionParams>('rook/cancelModelConversion');

/** Changes the sidecar's settings; answers with the resulting status. */
export const configureRequest = new RequestType<ConfigureParams, SidecarStatus, void>('rook/configure');
/** Current sidecar status. */
export const statusRequest = new RequestType0<SidecarStatus, void>('rook/status');
/** Pushed by the sidecar whenever its status changes. */
export const statusNotification = new NotificationType<SidecarStatus>('rook/statusChanged');
/** Language-server context for the next completions in a document; replaces what was sent before for it. */
export const completionContextNotification = new NotificationType<CompletionContextParams>('rook/completionContext');
/** Chat answer, streamed as `TextDelta` partial results. */
export const chatRequest = new ProtocolRequestType<ChatParams, GenerationResult, TextDelta, void, void>('rook/chat');
/**
 * Rewrite of a selection by instruction (or another `EditTask`), streamed as `TextDelta` partial results:
 * the code so far, in whole lines, without the answer's fences or prose; the result is authoritative.
 */
export const editRequest = new ProtocolRequestType<EditParams, GenerationResult, TextDelta, void, void>('rook/edit');

/** The `$/progress` payload type of `rook/chat` and `rook/edit` partial results. */
export const textDeltaProgress = new ProgressType<TextDelta>();

/** JSON-RPC error codes Rook uses beyond LSP's own. */
/** The most characters of text one `rook/chat` (all its messages) or `rook/edit` (original and instruction) may carry. */
export const maxRequestChars = 2_000_000;

export const RookErrorCodes = {
  /** No engine is configured or reachable. */
  NoEngine: -32001,
  /** The engine failed (HTTP error, stalled stream, model error). */
  EngineFailed: -32002,
  /** The request was malformed (bad params). */
  InvalidParams: -32602,
} as const;
