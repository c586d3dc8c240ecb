/**
 * The workspace index in the sidecar: which folders to index (`initialize`'s workspace folders, then
 * `workspace/didChangeWorkspaceFolders`), what changed on disk (`workspace/didChangeWatchedFiles`, from the
 * client's file watcher), the settings that switch it and the globs it leaves out (`rook/configure`), where it is
 * kept (`initializationOptions.indexStoragePath`), and `rook/searchCodebase` for `@codebase` chat. Completions
 * search it through `retrieve`; typing (document changes) makes indexing wait.
 */
import { fileURLToPath } from 'node:url';
import {
  FileChangeType,
  type Connection,
  type InitializeParams,
  type ServerCapabilities,
  type TextDocuments,
  type WorkspaceFolder,
} from 'vscode-languageserver';
import type { TextDocument } from 'vscode-languageserver-textdocument';
import { searchCodebaseRequest, type InitializationOptions, type IndexStatus, type SearchCodebaseParams, type SearchCodebaseResult } from '../../protocol/contract';
import { terms } from '../../index/terms';
import { WorkspaceIndex, type RetrievedChunk, type SearchOptions } from '../../index/workspaceIndex';
import type { EngineHost } from '../engineHost';
import { byName, invalidParams, shown } from '../params';
import type { Feature } from './feature';

const maxQueryChars = 10_000;
const maxSearchChunks = 32;

export class CodebaseFeature implements Feature {
  private index: WorkspaceIndex | undefined;
  private roots: string[] = [];
  private log: ((line: string) => void) | undefined;
  private readonly statusListeners: (() => void)[] = [];

  constructor(
    private readonly engineHost: EngineHost,
    private readonly documents: TextDocuments<TextDocument>,
  ) {}

  initialize(connection: Connection): ServerCapabilities {
    // Params are checked as they come: any LSP client may send them.
    connection.onDidChangeWatchedFiles((params) => {
      const changes: unknown = params?.changes;
      if (!Array.isArray(changes)) return;
      for (const change of changes) {
        const file = filePath(change?.uri);
        if (file && Object.values(FileChangeType).includes(change.type)) this.index?.fileChanged(file);
      }
    });
    connection.onRequest(searchCodebaseRequest, byName('rook/searchCodebase', (raw) => this.search(parseSearchParams(raw))));
    this.documents.onDidChangeContent(() => this.noteActivity());
    // Settings arrive with every `rook/configure`, which the engine host reports as a status change.
    this.engineHost.onDidChangeStatus(() => this.configure());
    return { workspace: { workspaceFolders: { supported: true, changeNotifications: true } } };
  }

  /**
   * From `initialize`: the folders, and where the index may be kept. Only a client that names a storage folder (Rook's
   * extension does) gets an index: walking a folder costs a start, and without storage every start would pay it.
   */
  applyInitializeParams(params: InitializeParams): void {
    const options = params.initializationOptions as InitializationOptions | undefined;
    const storage = options?.indexStoragePath;
    if (typeof storage !== 'string' || storage === '') return;
    this.index = new WorkspaceIndex(
      storage,
      (line) => this.log?.(line),
      () => this.statusListeners.forEach((listener) => listener()),
    );
    this.roots = folderPaths(params.workspaceFolders ?? (params.rootUri ? [{ uri: params.rootUri, name: '' }] : []));
  }

  /** Once the client is initialized: follows its workspace folders, and starts indexing under the settings in force. */
  initialized(connection: Connection): void {
    this.log = (line) => connection.console.info(line);
    try {
      connection.workspace.onDidChangeWorkspaceFolders((event) => {
        const gone = new Set(folderPaths(event?.removed));
        this.roots = [...this.roots.filter((root) => !gone.has(root)), ...folderPaths(event?.added)];
        this.configure();
      });
    } catch {
      // A client without workspace folders keeps the root it gave at `initialize`.
    }
    this.configure();
  }

  /** Hears of each change of the index's state, and while it indexes of its counts, at most once a second. */
  onDidChangeIndexStatus(listener: () => void): void {
    this.statusListeners.push(listener);
  }

  status(): { index: IndexStatus } | Record<string, never> {
    return this.index ? { index: this.index.status() } : {};
  }

  /** Typing: indexing waits until it pauses. */
  noteActivity(): void {
    this.index?.slicer.noteActivity();
  }

  /** Chunks for a completion prompt; none while the index is off. */
  retrieve(query: readonly string[], options: SearchOptions): Promise<RetrievedChunk[]> {
    return this.index?.search(query, options) ?? Promise.resolve([]);
  }

  dispose(): Promise<void> {
    return this.index?.dispose() ?? Promise.resolve();
  }

  private configure(): void {
    const settings = this.engineHost.settings;
    this.index?.configure(this.roots, { enabled: settings.index.enabled, excludeGlobs: settings.completion.excludeGlobs });
  }

  private async search(params: SearchCodebaseParams): Promise<SearchCodebaseResult> {
    const index = this.index;
    if (!index) return { chunks: [], index: { state: 'off', files: 0, chunks: 0, skipped: {} } };
    const found = await index.search(terms(params.query), { limit: params.limit ?? 8, within: params.within });
    return { chunks: found.map(({ score: _score, ...chunk }) => chunk), index: index.status() };
  }
}

function folderPaths(folders: readonly WorkspaceFolder[] | null | undefined): string[] {
  if (!Array.isArray(folders)) return [];
  return [...new Set(folders.map((folder) => filePath(folder?.uri)).filter((root): root is string => root !== undefined))];
}

/** The local path of a `file:` URI; undefined for other schemes (the index reads this machine's files only). */
function filePath(uri: unknown): string | undefined {
  if (typeof uri !== 'string' || !uri.startsWith('file:')) return undefined;
  try {
    return fileURLToPath(uri);
  } catch {
    return undefined;
  }
}

function parseSearchParams(raw: unknown): SearchCodebaseParams {
  const method = 'rook/searchCodebase';
  const params = raw as Partial<SearchCodebaseParams> | null;
  if (typeof params !== 'object' || params === null || Array.isArray(params)) throw invalidParams(method, `params must be an object; got ${shown(raw)}.`);
  if (typeof params.query !== 'string' || params.query.length > maxQueryChars) throw invalidParams(method, `query must be a string of at most ${maxQueryChars} characters; got ${shown(params.query)}.`);
  if (params.within !== undefined && typeof params.within !== 'string') throw invalidParams(method, `within must be a folder path; got ${shown(params.within)}.`);
  if (params.limit !== undefined && !(Number.isInteger(params.limit) && params.limit >= 1 && params.limit <= maxSearchChunks)) {
    throw invalidParams(method, `limit must be a whole number from 1 to ${maxSearchChunks}; got ${shown(params.limit)}.`);
  }
  return { query: params.query, within: params.within, limit: params.limit };
}
