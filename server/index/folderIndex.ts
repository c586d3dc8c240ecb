/**
 * The index of one workspace folder: loaded from disk if it was saved, brought up to date by a walk that reads
 * only files whose stamp changed, then kept current file by file as changes are reported. All work goes through
 * the `Slicer`, so it gives way to completions.
 */
import * as path from 'node:path';
import type { IndexStatus } from '../protocol/contract';
import { Bm25Index } from './bm25';
import { chunkFile } from './chunks';
import { loadIndex, saveIndex } from './persistence';
import { FileRules, readSource, walkFolder } from './sourceFiles';
import type { Slicer } from './slices';
import { terms } from './terms';

/** Why files were left out ('limit': past the caps on files and chunks). */
export type SkipReason = keyof IndexStatus['skipped'];

export interface IndexLimits {
  /** Whether another file of `chunks` chunks may be added (the caps are over every folder together). */
  admits(chunks: number): boolean;
}

export class FolderIndex {
  index = new Bm25Index();
  readonly skipped = new Map<SkipReason, number>();
  /** Whether the index changed since it was last saved. */
  private dirty = false;

  constructor(
    readonly root: string,
    readonly rules: FileRules,
    private readonly storageDir: string | undefined,
    private readonly slicer: Slicer,
    private readonly limits: IndexLimits,
  ) {}

  /** Starts from the saved index, if there is one; true when one was loaded. */
  async load(): Promise<boolean> {
    const snapshot = this.storageDir ? await loadIndex(this.storageDir, this.root) : undefined;
    if (snapshot) this.index = Bm25Index.fromSnapshot(snapshot);
    return snapshot !== undefined;
  }

  /** Walks the folder: indexes new and changed files, drops the ones gone or now ignored. False if `stopped` ended it. */
  async scan(stopped: () => boolean): Promise<boolean> {
    this.skipped.clear();
    const seen = new Set<string>();
    for await (const relative of walkFolder(this.rules, () => this.slicer.pause())) {
      if (stopped()) return false;
      seen.add(relative);
      await this.update(relative);
    }
    for (const relative of [...this.index.paths()]) {
      if (!seen.has(relative)) this.drop(relative);
    }
    this.index.pack();
    return true;
  }

  /** Brings one file (relative path) up to date: indexed, re-indexed, or dropped when it is gone or ignored. */
  async refresh(relative: string): Promise<void> {
    await this.slicer.pause();
    if (await this.rules.ignores(relative, false)) this.drop(relative);
    else await this.update(relative);
  }

  drop(relative: string): void {
    if (this.index.stampOf(relative) === undefined) return;
    this.index.removeFile(relative);
    this.dirty = true;
  }

  /** Drops dead postings in slices; with `save`, then writes the index if it changed. */
  async settle(save: boolean): Promise<void> {
    while (this.index.needsCompaction && !this.index.compact(() => this.slicer.hasTime())) await this.slicer.pause();
    if (!save || !this.dirty || !this.storageDir) return;
    this.dirty = false;
    await this.slicer.pause();
    await saveIndex(this.storageDir, this.root, this.index.snapshot());
  }

  private async update(relative: string): Promise<void> {
    await this.slicer.pause();
    const known = this.index.stampOf(relative);
    const source = await readSource(path.join(this.root, relative), known);
    if ('unchanged' in source) return;
    if ('missing' in source || 'skipped' in source) {
      if ('skipped' in source) this.count(source.skipped);
      this.drop(relative);
      return;
    }
    const lines = source.text.split('\n');
    const chunks = chunkFile(lines).map((chunk) => ({ ...chunk, terms: terms(lines.slice(chunk.firstLine, chunk.lastLine + 1).join('\n')) }));
    // A file already indexed keeps its place when it grows; a new one must fit the caps.
    if (known === undefined && !this.limits.admits(chunks.length)) {
      this.count('limit');
      return;
    }
    this.index.setFile(relative, source.stamp, chunks);
    this.dirty = true;
  }

  private count(reason: SkipReason): void {
    this.skipped.set(reason, (this.skipped.get(reason) ?? 0) + 1);
  }
}
