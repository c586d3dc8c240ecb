/**
 * Which files of a folder Rook reads, for the workspace index and for `rook eval --repo`'s cases (one walk serves
 * both): code and docs by extension (the eval names its own, code only), not what the folder's `.gitignore` files
 * ignore (the root's, nested ones for their own folders, `.git/info/exclude`), not what Rook's excluded globs match
 * (`rook.completion.excludeGlobs`: secrets and keys), never `.git` or `node_modules`, and no symbolic links (they can
 * leave the folder or loop). Reading skips huge, binary and minified files.
 */
import * as fs from 'node:fs/promises';
import * as path from 'node:path';
import ignore, { type Ignore } from 'ignore';
import { minimatch } from 'minimatch';

const indexedExtensions = new Set(
  ['ts', 'tsx', 'mts', 'cts', 'js', 'jsx', 'mjs', 'cjs', 'py', 'go', 'rs', 'java', 'kt', 'scala', 'cs', 'c', 'h', 'cc', 'cpp', 'hpp', 'rb', 'php', 'swift', 'lua', 'sh', 'vue', 'svelte', 'md'].map((e) => `.${e}`),
);
const skippedFolders = new Set(['.git', 'node_modules']);

/** Files over this many bytes are generated code or data, not what people write. */
export const maxFileBytes = 256 * 1024;
/** A line longer than this marks a minified or generated file. */
export const maxLineChars = 1000;

/** Why a file's bytes are not code a person writes. */
export type SkipReason = 'huge' | 'binary' | 'minified' | 'unreadable';

/** A file's bytes as text (CRLF as LF), unless they are huge, binary (a NUL byte, or not UTF-8) or minified. */
export function codeText(bytes: Uint8Array): { text: string } | { skipped: SkipReason } {
  if (bytes.length > maxFileBytes) return { skipped: 'huge' };
  if (bytes.includes(0)) return { skipped: 'binary' };
  let text: string;
  try {
    text = new TextDecoder('utf-8', { fatal: true }).decode(bytes);
  } catch {
    return { skipped: 'binary' };
  }
  text = text.replace(/\r\n/g, '\n');
  if (text.split('\n').some((line) => line.length > maxLineChars)) return { skipped: 'minified' };
  return { text };
}

export function isIndexedName(name: string): boolean {
  return indexedExtensions.has(path.extname(name).toLowerCase());
}

/** Whether a relative path lies in a folder never indexed (`.git`, `node_modules`). */
export function isSkippedPath(relative: string): boolean {
  return relative.split('/').some((part) => skippedFolders.has(part));
}

/** Whether a glob of `excludeGlobs` matches the file (dotfiles included, as VS Code's globs do), by its absolute path or its path from the root. */
export function excludedByGlobs(globs: readonly string[], absolute: string, relative: string): boolean {
  const absolutePosix = absolute.split(path.sep).join('/');
  return globs.some((glob) => minimatch(absolutePosix, glob, { dot: true }) || minimatch(relative, glob, { dot: true }));
}

/** The ignore rules that apply inside one folder of a workspace: `.gitignore` files are read as the walk meets them. */
export class FileRules {
  /** `.gitignore` rules by folder (relative, '' the root); null where the folder has none. */
  private readonly rules = new Map<string, Ignore | null>();

  /** `wanted`: which file names are read at all (by default the index's, `isIndexedName`). */
  constructor(
    readonly root: string,
    private readonly excludeGlobs: readonly string[],
    private readonly wanted: (name: string) => boolean = isIndexedName,
  ) {}

  /** Whether the entry at `relative` (with `/` separators) is left out; `isFolder` for folders. */
  async ignores(relative: string, isFolder: boolean): Promise<boolean> {
    const name = relative.slice(relative.lastIndexOf('/') + 1);
    if (isFolder ? skippedFolders.has(name) : !this.wanted(name)) return true;
    if (isSkippedPath(relative)) return true;
    if (!isFolder && this.excluded(relative)) return true;
    // A deeper file's negation can take back what a shallower one ignored, as in git.
    let ignored = false;
    const parts = relative.split('/');
    for (let depth = 0; depth < parts.length; depth++) {
      const base = parts.slice(0, depth).join('/');
      const rules = await this.rulesOf(base);
      if (!rules) continue;
      const within = parts.slice(depth).join('/');
      const result = rules.test(isFolder ? `${within}/` : within);
      if (result.ignored) ignored = true;
      else if (result.unignored) ignored = false;
    }
    return ignored;
  }

  /** Forgets the rules read, after a `.gitignore` changed. */
  reset(): void {
    this.rules.clear();
  }

  private excluded(relative: string): boolean {
    return excludedByGlobs(this.excludeGlobs, path.join(this.root, relative), relative);
  }

  private async rulesOf(folder: string): Promise<Ignore | null> {
    let rules = this.rules.get(folder);
    if (rules !== undefined) return rules;
    const texts = await Promise.all([
      fs.readFile(path.join(this.root, folder, '.gitignore'), 'utf8').catch(() => ''),
      folder === '' ? fs.readFile(path.join(this.root, '.git', 'info', 'exclude'), 'utf8').catch(() => '') : '',
    ]);
    const text = texts.join('\n');
    rules = text.trim() === '' ? null : ignore().add(text);
    this.rules.set(folder, rules);
    return rules;
  }
}

/** Bounds a walk by the directory entries it looks at (a home directory passed by mistake); `reached` once it stopped there. */
export interface WalkLimit {
  maxEntries: number;
  reached?: boolean;
}

/**
 * The files of the folder the index reads, as paths relative to it, folder by folder in name order; `pause`
 * is awaited between folders so a walk of a large tree gives way to requests. With `limit`, the walk ends after that
 * many directory entries and sets `limit.reached`.
 */
export async function* walkFolder(rules: FileRules, pause: () => Promise<void>, limit?: WalkLimit): AsyncGenerator<string> {
  const pending = [''];
  let visited = 0;
  while (pending.length > 0) {
    const folder = pending.shift()!;
    await pause();
    let entries: import('node:fs').Dirent[];
    try {
      entries = await fs.readdir(path.join(rules.root, folder), { withFileTypes: true });
    } catch {
      continue;
    }
    entries.sort((a, b) => (a.name < b.name ? -1 : a.name > b.name ? 1 : 0));
    for (const entry of entries) {
      if (limit && ++visited > limit.maxEntries) {
        limit.reached = true;
        return;
      }
      const relative = folder === '' ? entry.name : `${folder}/${entry.name}`;
      if (entry.isDirectory()) {
        if (!(await rules.ignores(relative, true))) pending.push(relative);
      } else if (entry.isFile() && !(await rules.ignores(relative, false))) {
        yield relative;
      }
    }
  }
}

export type SourceText = { text: string; stamp: string } | { unchanged: true } | { missing: true } | { skipped: 'huge' | 'binary' | 'minified' | 'unreadable' };

/**
 * A file's text and stamp (modification time and size), unless it is gone, huge, binary, minified or unreadable, or
 * still has `knownStamp` (then it is not read: a reopened workspace costs a `stat` per unchanged file).
 */
export async function readSource(file: string, knownStamp?: string): Promise<SourceText> {
  let bytes: Buffer;
  let stamp: string;
  try {
    const stat = await fs.stat(file);
    if (!stat.isFile()) return { skipped: 'unreadable' };
    if (stat.size > maxFileBytes) return { skipped: 'huge' };
    stamp = fileStamp(stat);
    if (stamp === knownStamp) return { unchanged: true };
    bytes = await fs.readFile(file);
  } catch (error) {
    return (error as NodeJS.ErrnoException).code === 'ENOENT' ? { missing: true } : { skipped: 'unreadable' };
  }
  const decoded = codeText(bytes);
  return 'text' in decoded ? { text: decoded.text, stamp } : decoded;
}

/** What says a file changed: its modification time and size. */
export function fileStamp(stat: { mtimeMs: number; size: number }): string {
  return `${Math.round(stat.mtimeMs)}:${stat.size}`;
}
