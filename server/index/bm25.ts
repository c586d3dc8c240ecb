/**
 * The workspace index: BM25 over chunks (see `chunks.ts`, `terms.ts`), held compactly enough for 10,000 files.
 * Written here rather than taken from a library: on Rook's own repository and a 10,000-file workspace, the
 * libraries measured (minisearch, flexsearch, wink-bm25-text-search, orama; `bench/index/compareLibraries.mjs`,
 * figures in `bench/index/README.md`) either were not BM25 (flexsearch has no idf), could not take a file's
 * change without rebuilding everything (wink), or kept a JavaScript object per posting, several times the memory
 * and ten times the query time allowed (minisearch: 200 MB and 38 ms at 10,000 files; orama more).
 *
 * A term's postings are one array of small integers, `chunk * 256 + count`, so a chunk costs a few bytes per
 * distinct term; `pack` turns them into exactly sized typed arrays (4 bytes a posting) once a walk is done, and a
 * term that grows later is copied back into a growable array. A removed chunk is only marked dead; `compact` drops dead postings a slice at a time and frees
 * their ids for reuse. A query visits its rarest terms first, up to `maxVisits` postings in all: the cost of a
 * query is bounded, and the terms it leaves out are the common ones BM25 weighs least.
 */

/** BM25's usual constants: term-frequency saturation and length normalization. */
const k1 = 1.2;
const b = 0.75;
/** Counts above this are stored as this; BM25 saturates long before. */
const maxCount = 255;
/** Postings a query reads at most (the rarest terms first): about a millisecond on one core. */
export const maxVisits = 40_000;

export interface IndexedChunk {
  firstLine: number;
  lastLine: number;
  terms: readonly string[];
}

export interface Hit {
  path: string;
  firstLine: number;
  lastLine: number;
  score: number;
}

/** An index's content as plain data (typed arrays, strings): what `persistence.ts` writes. */
export interface Bm25Snapshot {
  files: { path: string; stamp: string; chunks: number[] }[];
  chunkFirst: Int32Array;
  chunkLast: Int32Array;
  chunkLength: Int32Array;
  chunkDistinct: Int32Array;
  terms: string[];
  /** Term i's postings are `postings[offsets[i]..offsets[i + 1]]`. */
  offsets: Int32Array;
  postings: Int32Array;
}

interface FileEntry {
  id: number;
  stamp: string;
  chunks: number[];
}

type Postings = number[] | Int32Array;

export class Bm25Index {
  private readonly files = new Map<string, FileEntry>();
  private readonly filePaths: (string | undefined)[] = [];
  private readonly freeFileIds: number[] = [];
  /** Per chunk id; a dead chunk's file is -1. */
  private chunkFile: number[] = [];
  private chunkFirst: number[] = [];
  private chunkLast: number[] = [];
  private chunkLength: number[] = [];
  private chunkDistinct: number[] = [];
  /** Ids free for new chunks: dead ones whose postings `compact` has dropped. */
  private readonly freeChunks: number[] = [];
  /** Dead ids whose postings may remain. */
  private deadChunks: number[] = [];
  private readonly termIds = new Map<string, number>();
  private termNames: string[] = [];
  private postings: Postings[] = [];
  private readonly freeTermIds: number[] = [];
  private liveChunks = 0;
  private totalLength = 0;
  private totalPostings = 0;
  private deadPostings = 0;
  /** Where an unfinished `compact` goes on, and the dead ids it frees when it finishes its pass. */
  private compactCursor = -1;
  private compacting: number[] = [];
  private scores = new Float64Array(0);

  get fileCount(): number {
    return this.files.size;
  }

  get chunkCount(): number {
    return this.liveChunks;
  }

  /** The stamp (modification time and size) the file was indexed at, if it is indexed. */
  stampOf(path: string): string | undefined {
    return this.files.get(path)?.stamp;
  }

  paths(): IterableIterator<string> {
    return this.files.keys();
  }

  /** Indexes a file's chunks, replacing what was indexed for it. */
  setFile(path: string, stamp: string, chunks: readonly IndexedChunk[]): void {
    this.removeFile(path);
    const id = this.freeFileIds.pop() ?? this.filePaths.length;
    this.filePaths[id] = path;
    const entry: FileEntry = { id, stamp, chunks: [] };
    for (const chunk of chunks) entry.chunks.push(this.addChunk(id, chunk));
    this.files.set(path, entry);
  }

  removeFile(path: string): void {
    const entry = this.files.get(path);
    if (!entry) return;
    for (const chunk of entry.chunks) {
      this.chunkFile[chunk] = -1;
      this.liveChunks--;
      this.totalLength -= this.chunkLength[chunk];
      this.deadPostings += this.chunkDistinct[chunk];
      this.deadChunks.push(chunk);
    }
    this.files.delete(path);
    this.filePaths[entry.id] = undefined;
    this.freeFileIds.push(entry.id);
  }

  /** Whether dead postings are a large enough share that `compact` is worth running. */
  get needsCompaction(): boolean {
    return this.compactCursor >= 0 || this.deadPostings > Math.max(10_000, this.totalPostings / 4);
  }

  /** Drops dead postings, term by term, until `hasTime` says stop; true when a whole pass has finished. */
  compact(hasTime: () => boolean): boolean {
    if (this.compactCursor < 0) {
      this.compactCursor = 0;
      this.compacting = this.deadChunks;
      this.deadChunks = [];
    }
    while (this.compactCursor < this.postings.length) {
      if (this.compactCursor % 256 === 0 && !hasTime()) return false;
      const term = this.compactCursor++;
      const list = this.postings[term];
      if (list.length === 0) continue;
      const kept: number[] = [];
      for (const posting of list) if (this.chunkFile[posting >>> 8] !== -1) kept.push(posting);
      this.totalPostings -= list.length - kept.length;
      this.deadPostings -= list.length - kept.length;
      this.postings[term] = Int32Array.from(kept);
      if (kept.length === 0) {
        this.termIds.delete(this.termNames[term]);
        this.freeTermIds.push(term);
      }
    }
    this.freeChunks.push(...this.compacting);
    this.compacting = [];
    this.compactCursor = -1;
    return true;
  }

  /**
   * The `limit` best chunks for `query` (terms as `terms.ts` makes them) among those `accept` takes, best first.
   * Terms are read rarest first, within `maxVisits` postings.
   */
  search(query: readonly string[], limit: number, accept: (path: string) => boolean = () => true): Hit[] {
    if (this.liveChunks === 0 || limit <= 0) return [];
    const lists = [...new Set(query)].map((term) => this.postings[this.termIds.get(term) ?? -1]).filter((list): list is Postings => list !== undefined && list.length > 0);
    lists.sort((x, y) => x.length - y.length);
    if (this.scores.length < this.chunkFile.length) this.scores = new Float64Array(this.chunkFile.length * 2);
    const scores = this.scores;
    const touched: number[] = [];
    // BM25's length normalization, k1 * (1 - b + b * length / average), as one multiply-add per posting.
    const normBase = k1 * (1 - b);
    const normSlope = (k1 * b * this.liveChunks) / this.totalLength;
    const chunkFile = this.chunkFile;
    const chunkLength = this.chunkLength;
    let visits = 0;
    for (const list of lists) {
      visits += list.length;
      if (visits > maxVisits) break;
      // Dead postings not yet compacted count in a list's length: never more than the live chunks.
      const frequency = Math.min(list.length, this.liveChunks);
      const idf = Math.log(1 + (this.liveChunks - frequency + 0.5) / (frequency + 0.5));
      for (let i = 0; i < list.length; i++) {
        const chunk = list[i] >>> 8;
        if (chunkFile[chunk] === -1) continue;
        const count = list[i] & 255;
        if (scores[chunk] === 0) touched.push(chunk);
        scores[chunk] += (idf * count * (k1 + 1)) / (count + normBase + normSlope * chunkLength[chunk]);
      }
    }
    const best: Hit[] = [];
    const accepted = new Map<number, boolean>();
    for (const chunk of touched) {
      const score = scores[chunk];
      scores[chunk] = 0;
      if (best.length === limit && score <= best[limit - 1].score) continue;
      const file = this.chunkFile[chunk];
      let ok = accepted.get(file);
      if (ok === undefined) accepted.set(file, (ok = accept(this.filePaths[file]!)));
      if (!ok) continue;
      const hit = { path: this.filePaths[file]!, firstLine: this.chunkFirst[chunk], lastLine: this.chunkLast[chunk], score };
      // Equal scores in a fixed order (path, line), so the same query gives the same chunks.
      let at = best.length;
      while (at > 0 && compareHits(hit, best[at - 1]) < 0) at--;
      best.splice(at, 0, hit);
      if (best.length > limit) best.pop();
    }
    return best;
  }

  /** Moves every term's postings into an exactly sized typed array: half the memory of a grown array of numbers. */
  pack(): void {
    for (let term = 0; term < this.postings.length; term++) if (Array.isArray(this.postings[term])) this.postings[term] = Int32Array.from(this.postings[term]);
  }

  /** The index as plain data, its chunks numbered densely (file by file) and no dead posting kept. */
  snapshot(): Bm25Snapshot {
    const renumber = new Int32Array(this.chunkFile.length).fill(-1);
    const files: Bm25Snapshot['files'] = [];
    const live: number[] = [];
    for (const [path, entry] of this.files) {
      files.push({ path, stamp: entry.stamp, chunks: entry.chunks.map((chunk) => ((renumber[chunk] = live.length), live.push(chunk), live.length - 1)) });
    }
    const pick = (values: number[]) => Int32Array.from(live, (chunk) => values[chunk]);
    const terms: string[] = [];
    const offsets: number[] = [0];
    const postings: number[] = [];
    for (const [term, id] of this.termIds) {
      const before = postings.length;
      for (const posting of this.postings[id]) {
        const chunk = renumber[posting >>> 8];
        if (chunk >= 0) postings.push(chunk * 256 + (posting & 255));
      }
      if (postings.length === before) continue;
      terms.push(term);
      offsets.push(postings.length);
    }
    return {
      files,
      chunkFirst: pick(this.chunkFirst),
      chunkLast: pick(this.chunkLast),
      chunkLength: pick(this.chunkLength),
      chunkDistinct: pick(this.chunkDistinct),
      terms,
      offsets: Int32Array.from(offsets),
      postings: Int32Array.from(postings),
    };
  }

  /** An index holding a snapshot's content. Postings stay views of the snapshot's array until a term gains one. */
  static fromSnapshot(snapshot: Bm25Snapshot): Bm25Index {
    const index = new Bm25Index();
    index.chunkFirst = Array.from(snapshot.chunkFirst);
    index.chunkLast = Array.from(snapshot.chunkLast);
    index.chunkLength = Array.from(snapshot.chunkLength);
    index.chunkDistinct = Array.from(snapshot.chunkDistinct);
    index.chunkFile = new Array<number>(index.chunkFirst.length).fill(-1);
    for (const [fileId, file] of snapshot.files.entries()) {
      index.files.set(file.path, { id: fileId, stamp: file.stamp, chunks: file.chunks });
      index.filePaths[fileId] = file.path;
      for (const chunk of file.chunks) index.chunkFile[chunk] = fileId;
    }
    index.termNames = snapshot.terms;
    for (const [id, term] of snapshot.terms.entries()) {
      index.termIds.set(term, id);
      index.postings.push(snapshot.postings.subarray(snapshot.offsets[id], snapshot.offsets[id + 1]));
    }
    index.liveChunks = index.chunkFirst.length;
    index.totalLength = index.chunkLength.reduce((sum, length) => sum + length, 0);
    index.totalPostings = snapshot.postings.length;
    return index;
  }

  private addChunk(file: number, chunk: IndexedChunk): number {
    const id = this.freeChunks.pop() ?? this.chunkFile.length;
    const counts = new Map<string, number>();
    for (const term of chunk.terms) counts.set(term, (counts.get(term) ?? 0) + 1);
    for (const [term, count] of counts) {
      let termId = this.termIds.get(term);
      if (termId === undefined) {
        termId = this.freeTermIds.pop() ?? this.postings.length;
        this.termIds.set(term, termId);
        this.termNames[termId] = term;
        this.postings[termId] = [];
      }
      let list = this.postings[termId];
      // A packed or loaded term is a typed array until it grows.
      if (!Array.isArray(list)) this.postings[termId] = list = Array.from(list);
      list.push(id * 256 + Math.min(count, maxCount));
    }
    this.chunkFile[id] = file;
    this.chunkFirst[id] = chunk.firstLine;
    this.chunkLast[id] = chunk.lastLine;
    this.chunkLength[id] = chunk.terms.length;
    this.chunkDistinct[id] = counts.size;
    this.liveChunks++;
    this.totalLength += chunk.terms.length;
    this.totalPostings += counts.size;
    return id;
  }
}

function compareHits(a: Hit, b: Hit): number {
  return b.score - a.score || (a.path < b.path ? -1 : a.path > b.path ? 1 : 0) || a.firstLine - b.firstLine;
}
