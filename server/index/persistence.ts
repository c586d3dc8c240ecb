/**
 * The index of a workspace folder kept on disk, in the storage folder the extension names (its global storage, on
 * this machine), one file per folder keyed by a hash of the folder's path: a reopened workspace then only reads
 * the files that changed since. Written with V8's serializer (typed arrays as raw bytes) to a temporary file
 * renamed over the old one, so a crash mid-write leaves the previous index; a file that does not read back as an
 * index of this format and folder is ignored (the folder is indexed anew).
 */
import { createHash } from 'node:crypto';
import * as fs from 'node:fs/promises';
import * as path from 'node:path';
import * as v8 from 'node:v8';
import type { Bm25Snapshot } from './bm25';

/** Bumped whenever chunks, terms or the snapshot's layout change: an older index is then rebuilt. */
const indexFormat = 1;

interface StoredIndex {
  format: number;
  root: string;
  snapshot: Bm25Snapshot;
}

export function indexFile(storageDir: string, root: string): string {
  return path.join(storageDir, `${createHash('sha256').update(root).digest('hex').slice(0, 24)}.index`);
}

export async function saveIndex(storageDir: string, root: string, snapshot: Bm25Snapshot): Promise<void> {
  await fs.mkdir(storageDir, { recursive: true });
  const file = indexFile(storageDir, root);
  const temporary = `${file}.${process.pid}.tmp`;
  const stored: StoredIndex = { format: indexFormat, root, snapshot };
  await fs.writeFile(temporary, v8.serialize(stored));
  await fs.rename(temporary, file);
}

/** The saved index of `root`, or undefined when there is none (or it is damaged, or of another format or folder). */
export async function loadIndex(storageDir: string, root: string): Promise<Bm25Snapshot | undefined> {
  let bytes: Buffer;
  try {
    bytes = await fs.readFile(indexFile(storageDir, root));
  } catch {
    return undefined;
  }
  try {
    const stored = v8.deserialize(bytes) as Partial<StoredIndex>;
    if (stored?.format !== indexFormat || stored.root !== root || !isSnapshot(stored.snapshot)) return undefined;
    return stored.snapshot;
  } catch {
    return undefined;
  }
}

function isSnapshot(value: unknown): value is Bm25Snapshot {
  const s = value as Bm25Snapshot | undefined;
  if (!s || !Array.isArray(s.files) || !Array.isArray(s.terms)) return false;
  const chunks = s.chunkFirst?.length;
  const arrays = [s.chunkFirst, s.chunkLast, s.chunkLength, s.chunkDistinct, s.offsets, s.postings];
  if (!arrays.every((array) => array instanceof Int32Array)) return false;
  if (s.chunkLast.length !== chunks || s.chunkLength.length !== chunks || s.chunkDistinct.length !== chunks) return false;
  if (s.offsets.length !== s.terms.length + 1 || s.offsets[s.terms.length] !== s.postings.length) return false;
  for (let i = 0; i < s.terms.length; i++) if (!(s.offsets[i] <= s.offsets[i + 1])) return false;
  for (const posting of s.postings) if (!(posting >= 0 && Math.floor(posting / 256) < chunks)) return false;
  return s.files.every((file) => typeof file?.path === 'string' && typeof file.stamp === 'string' && Array.isArray(file.chunks) && file.chunks.every((c) => Number.isInteger(c) && c >= 0 && c < chunks));
}
