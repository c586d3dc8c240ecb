/**
 * A GGUF file used directly as a model (`rook.local.modelPath`, `--model-dir`): converted once into a cache folder
 * named by the file's identity, then loaded from there. The identity is the resolved path, size, modification time
 * and a hash of the first MiB, so a file replaced in place (even with the same size and mtime, as some copies keep)
 * is converted again. A conversion is written to a `.partial-…` folder and renamed into place only when complete:
 * rename is atomic, so a crash or a cancel never leaves a cache entry that a later start would load. Making a new
 * entry removes the older ones of the same path, so replaced files do not pile up conversions.
 */
import { createHash, randomUUID } from 'node:crypto';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { modelFiles } from './modelFiles';

/** Bumped when the converter's output for the same file changes, so older cache entries are not loaded. */
export const ggufCacheVersion = 2;
/** Written last into a finished entry: what it was made from (for people looking in the folder, and a completeness mark). */
export const cacheMarkerFile = 'rook-gguf-source.json';
const headBytes = 1 << 20;
const partialPrefix = '.partial-';

export interface GgufIdentity {
  /** The resolved path (symbolic links followed, as Ollama's and LM Studio's stores may use them). */
  file: string;
  size: number;
  mtimeMs: number;
  /** sha256 of the first MiB: the header, so a re-quantized or re-exported file in the same place differs. */
  headHash: string;
}

/** Steps of a conversion (tensors read), `done` of `total`. */
export interface CacheProgress {
  done: number;
  total: number;
}

/** Converts a GGUF file into the folder `out` (which must not exist yet); rejects with an `AbortError` on `signal`. */
export type GgufConverter = (file: string, out: string, options: { signal?: AbortSignal; onProgress?: (progress: CacheProgress) => void }) => Promise<void>;

export interface CachedModel {
  /** The model folder to load. */
  dir: string;
  /** Whether it was made now (false: found in the cache). */
  converted: boolean;
}

/** Whether `file` is a GGUF file: by its first four bytes, since Ollama's blobs carry no `.gguf` extension. */
export function isGgufFile(file: string): boolean {
  let fd: number | undefined;
  try {
    if (!fs.statSync(file).isFile()) return false;
    fd = fs.openSync(file, 'r');
    const magic = Buffer.alloc(4);
    return fs.readSync(fd, magic, 0, 4, 0) === 4 && magic.toString('latin1') === 'GGUF';
  } catch {
    return false;
  } finally {
    if (fd !== undefined) fs.closeSync(fd);
  }
}

/** The CLI's cache: `$XDG_CACHE_HOME/rook/models`, else `~/.cache/rook/models` (the XDG default, used on every OS for one rule). */
export function defaultModelCacheDir(env: NodeJS.ProcessEnv = process.env, home = os.homedir()): string {
  const xdg = env.XDG_CACHE_HOME?.trim();
  return path.join(xdg && path.isAbsolute(xdg) ? xdg : path.join(home, '.cache'), 'rook', 'models');
}

export function ggufIdentity(file: string): GgufIdentity {
  const resolved = fs.realpathSync(file);
  const fd = fs.openSync(resolved, 'r');
  try {
    const stat = fs.fstatSync(fd);
    const head = Buffer.alloc(Math.min(headBytes, stat.size));
    let read = 0;
    while (read < head.length) {
      const n = fs.readSync(fd, head, read, head.length - read, read);
      if (n === 0) break;
      read += n;
    }
    return { file: resolved, size: stat.size, mtimeMs: stat.mtimeMs, headHash: createHash('sha256').update(head.subarray(0, read)).digest('hex') };
  } finally {
    fs.closeSync(fd);
  }
}

const sha = (text: string) => createHash('sha256').update(text).digest('hex');

/** `<path key>-<content key>`: entries of one path share the first part, which is how older ones are found. */
export function cacheEntryName(identity: GgufIdentity): string {
  const pathKey = sha(identity.file).slice(0, 12);
  const contentKey = sha(JSON.stringify([ggufCacheVersion, identity.size, identity.mtimeMs, identity.headHash])).slice(0, 16);
  return `${pathKey}-${contentKey}`;
}

const pathKeyOf = (entry: string) => entry.slice(0, entry.indexOf('-'));

/** The finished entry for `identity` in `cacheDir`, if there is one. */
export function findCachedModel(cacheDir: string, identity: GgufIdentity): string | undefined {
  const dir = path.join(cacheDir, cacheEntryName(identity));
  const complete = [cacheMarkerFile, modelFiles.config, modelFiles.onnx, modelFiles.tokenizer].every((name) => fs.existsSync(path.join(dir, name)));
  return complete ? dir : undefined;
}

function processAlive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch (error) {
    return (error as NodeJS.ErrnoException).code === 'EPERM';
  }
}

/** Partial folders left by a process that died mid-conversion (killed, crashed, machine off): nothing will finish them. */
export function removeAbandonedPartials(cacheDir: string): void {
  let names: string[];
  try {
    names = fs.readdirSync(cacheDir);
  } catch {
    return;
  }
  for (const name of names) {
    if (!name.startsWith(partialPrefix)) continue;
    const pid = Number(name.slice(partialPrefix.length).split('-')[1]);
    // This process's own conversions remove their folders themselves; a live process's are still being written.
    if (pid === process.pid || (Number.isInteger(pid) && pid > 0 && processAlive(pid))) continue;
    fs.rmSync(path.join(cacheDir, name), { recursive: true, force: true });
  }
}

/** Entries made from the same path as `keep` but from another version of the file. */
function removeOlderEntries(cacheDir: string, keep: string): void {
  for (const name of fs.readdirSync(cacheDir)) {
    if (name !== keep && !name.startsWith('.') && pathKeyOf(name) === pathKeyOf(keep)) fs.rmSync(path.join(cacheDir, name), { recursive: true, force: true });
  }
}

/**
 * The model folder for the GGUF `file`: from the cache when it holds this version of the file, else converted by
 * `convert` into a partial folder that becomes the entry only once complete. On failure or abort nothing of the
 * attempt stays in `cacheDir`.
 */
export async function cachedGgufModel(
  file: string,
  cacheDir: string,
  convert: GgufConverter,
  options: { signal?: AbortSignal; onProgress?: (progress: CacheProgress) => void; onStart?: () => void } = {},
): Promise<CachedModel> {
  const identity = ggufIdentity(file);
  const found = findCachedModel(cacheDir, identity);
  if (found) return { dir: found, converted: false };
  fs.mkdirSync(cacheDir, { recursive: true });
  removeAbandonedPartials(cacheDir);
  const entry = cacheEntryName(identity);
  // The pid in the name lets a later process tell an abandoned partial from one still being written.
  const partial = path.join(cacheDir, `${partialPrefix}${entry.replace(/-/g, '')}-${process.pid}-${randomUUID().slice(0, 8)}`);
  fs.mkdirSync(partial);
  try {
    options.onStart?.();
    const out = path.join(partial, 'model');
    await convert(identity.file, out, { signal: options.signal, onProgress: options.onProgress });
    options.signal?.throwIfAborted();
    fs.writeFileSync(path.join(out, cacheMarkerFile), `${JSON.stringify({ source: identity.file, size: identity.size, mtimeMs: identity.mtimeMs, headSha256: identity.headHash, cacheVersion: ggufCacheVersion }, null, 2)}\n`);
    const dir = path.join(cacheDir, entry);
    try {
      fs.renameSync(out, dir);
    } catch (error) {
      // Another process (a second window's sidecar) finished the same file first: its entry is as good.
      if (!findCachedModel(cacheDir, identity)) throw error;
    }
    removeOlderEntries(cacheDir, entry);
    return { dir, converted: true };
  } finally {
    fs.rmSync(partial, { recursive: true, force: true });
  }
}
