/**
 * The sidecar's index of the workspace folders: which folders (from the client), under which settings, kept up to
 * date from file-change events, within caps on files and chunks across all folders, and searched for completions and
 * `@codebase` chat. One loop does all indexing work, in slices (`slices.ts`); a change of folders or settings
 * starts it over. Chunk text is read back from disk when a search returns it. Its status is reported as its state
 * changes (off, indexing, ready) and, while indexing, with new counts at most once a second.
 */
import * as fs from 'node:fs';
import * as path from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';
import type { CodebaseChunk, IndexStatus } from '../protocol/contract';
import type { Hit } from './bm25';
import { chunkText } from './chunks';
import { FolderIndex } from './folderIndex';
import { Slicer } from './slices';
import { FileRules, isIndexedName, isSkippedPath } from './sourceFiles';

/** Caps over all folders together, so memory stays bounded (about 1 KB a chunk: `bench/index/README.md`). */
const maxIndexedFiles = 20_000;
const maxIndexedChunks = 150_000;
/** Files whose text searches keep at hand. */
const cachedTexts = 64;
/** While indexing, new counts are reported at most this often. */
export const progressIntervalMs = 1000;

export interface IndexSettings {
  enabled: boolean;
  excludeGlobs: readonly string[];
}

export interface RetrievedChunk extends CodebaseChunk {
  score: number;
}

export interface SearchOptions {
  limit: number;
  /** Only chunks under this folder (relative to a workspace folder, or starting with its name). */
  within?: string;
  /** Chunks of this file are left out (the document being completed, which the prompt has already). */
  skipUri?: string;
}

export class WorkspaceIndex {
  private folders = new Map<string, FolderIndex>();
  private settings: IndexSettings = { enabled: false, excludeGlobs: [] };
  private roots: string[] = [];
  /** Folders to walk, and changed files (relative) per folder, waiting for the loop. */
  private readonly toScan = new Set<string>();
  private readonly changed = new Map<string, Set<string>>();
  private running: Promise<void> | undefined;
  /** Bumped whenever the folders are replaced: a loop of an older generation stops. */
  private generation = 0;
  private readonly texts = new Map<string, string[]>();
  private disposed = false;
  readonly slicer = new Slicer();
  /** What `onStatus` was last told: its state, and its counts as text. */
  private reported: { state: IndexStatus['state']; counts: string } | undefined;
  private progress: ReturnType<typeof setInterval> | undefined;

  /** `onStatus` hears of each change of state, and while indexing of new counts, at most once a second. */
  constructor(
    private readonly storageDir: string | undefined,
    private readonly log: (line: string) => void,
    private readonly onStatus: (status: IndexStatus) => void = () => {},
  ) {}

  /** Applies the folders (absolute paths) and settings; a change of either starts indexing over. */
  configure(roots: readonly string[], settings: IndexSettings): void {
    const same = roots.length === this.roots.length && roots.every((root, i) => root === this.roots[i]);
    if (same && settings.enabled === this.settings.enabled && JSON.stringify(settings.excludeGlobs) === JSON.stringify(this.settings.excludeGlobs)) return;
    this.roots = [...roots];
    this.settings = { enabled: settings.enabled, excludeGlobs: [...settings.excludeGlobs] };
    this.generation++;
    this.folders = new Map();
    this.toScan.clear();
    this.changed.clear();
    this.texts.clear();
    if (settings.enabled) {
      for (const root of roots) {
        this.folders.set(root, new FolderIndex(root, new FileRules(root, settings.excludeGlobs), this.storageDir, this.slicer, { admits: (chunks) => this.admits(chunks) }));
        this.toScan.add(root);
      }
      this.kick();
    }
    this.reportStatus();
  }

  /** A file created, changed or deleted on disk (an absolute path). */
  fileChanged(file: string): void {
    this.texts.delete(file);
    const folder = this.folderOf(file);
    if (!folder) return;
    const relative = path.relative(folder.root, file).split(path.sep).join('/');
    const name = path.basename(file);
    if (name === '.gitignore' || relative === '.git/info/exclude') {
      folder.rules.reset();
      this.toScan.add(folder.root);
    } else if (isSkippedPath(relative)) {
      // Git's own files change with every commit or checkout; dependencies are never indexed.
      return;
    } else if (!isIndexedName(name)) {
      // VS Code reports a folder created, deleted or renamed as one event for the folder: a walk finds what changed
      // (reading only files whose stamp did). A file the index does not read is let be.
      if (isFile(file)) return;
      this.toScan.add(folder.root);
    } else {
      let files = this.changed.get(folder.root);
      if (!files) this.changed.set(folder.root, (files = new Set()));
      files.add(relative);
    }
    this.kick();
  }

  status(): IndexStatus {
    const skipped: IndexStatus['skipped'] = {};
    let files = 0;
    let chunks = 0;
    for (const folder of this.folders.values()) {
      files += folder.index.fileCount;
      chunks += folder.index.chunkCount;
      for (const [reason, count] of folder.skipped) skipped[reason] = (skipped[reason] ?? 0) + count;
    }
    const state: IndexStatus['state'] = !this.settings.enabled ? 'off' : this.running ? 'indexing' : 'ready';
    return { state, files, chunks, skipped };
  }

  /** The best chunks for `query` (terms, see `terms.ts`) over every folder, best first, with their text. */
  async search(query: readonly string[], options: SearchOptions): Promise<RetrievedChunk[]> {
    const skipPath = options.skipUri?.startsWith('file:') ? fileURLToPath(options.skipUri) : undefined;
    const hits = [...this.folders.values()].flatMap((folder) =>
      folder.index
        .search(query, options.limit, (relative) => inFolder(folder.root, relative, options.within) && path.join(folder.root, relative) !== skipPath)
        .map((hit) => ({ ...hit, root: folder.root })),
    );
    hits.sort((a, b) => b.score - a.score);
    const chunks: RetrievedChunk[] = [];
    for (const hit of mergeOverlapping(hits.slice(0, options.limit))) {
      const file = path.join(hit.root, hit.path);
      const lines = this.linesOf(file);
      if (!lines || hit.lastLine >= lines.length) continue;
      chunks.push({ uri: pathToFileURL(file).href, path: hit.path, firstLine: hit.firstLine, lastLine: hit.lastLine, text: chunkText(lines, hit), score: hit.score });
    }
    return chunks;
  }

  /**
   * Stops indexing and saves what is indexed, so the next start goes on from there (its walk re-reads only files
   * whose stamp changed, whether this index was complete or not).
   */
  async dispose(): Promise<void> {
    this.disposed = true;
    clearInterval(this.progress);
    this.progress = undefined;
    this.generation++;
    await this.running;
    for (const folder of this.folders.values()) await folder.settle(true);
  }

  private admits(chunks: number): boolean {
    let files = 0;
    let total = 0;
    for (const folder of this.folders.values()) {
      files += folder.index.fileCount;
      total += folder.index.chunkCount;
    }
    return files < maxIndexedFiles && total + chunks <= maxIndexedChunks;
  }

  private folderOf(file: string): FolderIndex | undefined {
    // The deepest folder holding the file, for nested workspace folders.
    let found: FolderIndex | undefined;
    for (const folder of this.folders.values()) {
      const relative = path.relative(folder.root, file);
      if (relative !== '' && !relative.startsWith('..') && !path.isAbsolute(relative) && (!found || folder.root.length > found.root.length)) found = folder;
    }
    return found;
  }

  private kick(): void {
    if (this.running || this.disposed) return;
    const generation = this.generation;
    this.running = this.run(generation)
      .catch((error: Error) => this.log(`Workspace index: ${error.message}`))
      .finally(() => {
        this.running = undefined;
        if (generation !== this.generation || this.toScan.size > 0 || this.changed.size > 0) this.kick();
        this.reportStatus();
      });
    this.reportStatus();
  }

  /**
   * Tells `onStatus` of a change of state at once; while indexing, a timer tells it of new counts once a second
   * (a walk changes them with every file: one notification a file would flood the client).
   */
  private reportStatus(): void {
    const status = this.status();
    if (status.state !== this.reported?.state) this.report(status);
    if (status.state !== 'indexing' || this.disposed) {
      clearInterval(this.progress);
      this.progress = undefined;
    } else if (!this.progress) {
      this.progress = setInterval(() => {
        const current = this.status();
        if (current.state === this.reported?.state && countsOf(current) !== this.reported.counts) this.report(current);
      }, progressIntervalMs);
      // Reporting progress never keeps the process alive.
      this.progress.unref?.();
    }
  }

  private report(status: IndexStatus): void {
    this.reported = { state: status.state, counts: countsOf(status) };
    try {
      this.onStatus(status);
    } catch (error) {
      this.log(`Workspace index: reporting its status failed: ${(error as Error).message}`);
    }
  }

  private async run(generation: number): Promise<void> {
    const stopped = () => generation !== this.generation;
    while (!stopped()) {
      const [root] = this.toScan;
      if (root !== undefined) {
        this.toScan.delete(root);
        const folder = this.folders.get(root)!;
        const started = performance.now();
        const loaded = folder.index.fileCount === 0 && (await folder.load());
        if (await folder.scan(stopped)) {
          const seconds = ((performance.now() - started) / 1000).toFixed(1);
          this.log(`Workspace index: ${root}: ${folder.index.fileCount} files, ${folder.index.chunkCount} chunks in ${seconds} s${loaded ? ' (from the saved index, changed files re-read)' : ''}.`);
          // Saved once walked; later changes are saved when the sidecar exits (a lost save only costs a re-read).
          await folder.settle(true);
        }
        continue;
      }
      const [entry] = this.changed;
      if (entry) {
        const [changedRoot, files] = entry;
        this.changed.delete(changedRoot);
        const folder = this.folders.get(changedRoot);
        for (const relative of files) if (folder && !stopped()) await folder.refresh(relative);
        continue;
      }
      for (const folder of this.folders.values()) if (!stopped()) await folder.settle(false);
      return;
    }
  }

  private linesOf(file: string): string[] | undefined {
    let lines = this.texts.get(file);
    if (!lines) {
      // Read at once, not through the thread pool: a few small files cost well under a millisecond, and a completion
      // waiting on them should not queue behind other I/O.
      let text: string;
      try {
        text = fs.readFileSync(file, 'utf8');
      } catch {
        return undefined;
      }
      lines = text.replace(/\r\n/g, '\n').split('\n');
      if (this.texts.size >= cachedTexts) this.texts.delete(this.texts.keys().next().value!);
    } else {
      this.texts.delete(file);
    }
    // Most recently used last, so the first key is the one to evict.
    this.texts.set(file, lines);
    return lines;
  }
}

interface RootedHit extends Hit {
  root: string;
}

/** Hits of one file whose lines overlap or touch become one (chunks overlap by a third): no line is sent twice. */
function mergeOverlapping(hits: readonly RootedHit[]): RootedHit[] {
  const merged: RootedHit[] = [];
  for (const hit of hits) {
    const same = merged.find((other) => other.root === hit.root && other.path === hit.path && other.firstLine <= hit.lastLine + 1 && hit.firstLine <= other.lastLine + 1);
    if (!same) merged.push({ ...hit });
    else {
      same.firstLine = Math.min(same.firstLine, hit.firstLine);
      same.lastLine = Math.max(same.lastLine, hit.lastLine);
    }
  }
  return merged;
}

function countsOf({ files, chunks, skipped }: IndexStatus): string {
  return JSON.stringify([files, chunks, skipped]);
}

function isFile(file: string): boolean {
  try {
    return fs.statSync(file).isFile();
  } catch {
    return false;
  }
}

function inFolder(root: string, relative: string, within: string | undefined): boolean {
  if (within === undefined || within === '') return true;
  const prefix = within.replace(/^\.\/|\/+$/g, '');
  const named = `${path.basename(root)}/${relative}`;
  return [relative, named].some((candidate) => candidate === prefix || candidate.startsWith(`${prefix}/`));
}
