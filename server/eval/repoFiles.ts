/**
 * The code files of a repository that evaluation cases may be cut from: every file under the root with a code
 * extension, except what `.gitignore` files (the root's, nested ones for their own folders, `.git/info/exclude`)
 * ignore, what Rook's excluded globs match (secrets and keys, as the editor never sends them), `.git` itself and
 * symbolic links. Listing is bounded (`maxFiles`); reading skips huge, binary and minified files.
 */
import * as fs from 'node:fs';
import * as path from 'node:path';
import ignore, { type Ignore } from 'ignore';
import { minimatch } from 'minimatch';
import { codeText, maxFileBytes, type SkipReason } from '../index/sourceFiles';

/** File extensions of code, and the language label a case carries. */
export const codeExtensions: Readonly<Record<string, string>> = {
  '.ts': 'ts', '.tsx': 'ts', '.mts': 'ts', '.cts': 'ts',
  '.js': 'js', '.jsx': 'js', '.mjs': 'js', '.cjs': 'js',
  '.py': 'py', '.go': 'go', '.rs': 'rs', '.java': 'java', '.kt': 'kt', '.scala': 'scala', '.cs': 'cs',
  '.c': 'c', '.h': 'c', '.cc': 'cpp', '.cpp': 'cpp', '.hpp': 'cpp', '.rb': 'rb', '.php': 'php', '.swift': 'swift',
  '.lua': 'lua', '.sh': 'sh',
};

export interface RepoFile {
  /** Path from the root, with `/` separators. */
  path: string;
  lang: string;
}

export interface RepoListing {
  files: RepoFile[];
  /** True when the walk stopped at `maxFiles` or `maxEntries`. */
  truncated: boolean;
}

export interface ListOptions {
  /** Globs as `rook.completion.excludeGlobs` takes them, matched against the absolute path and the path from the root. */
  excludeGlobs: readonly string[];
  maxFiles?: number;
}

/** Where the walk stops: a repository this large still gives cases from its first 20,000 code files, in name order. */
export const defaultMaxFiles = 20_000;
/** The walk also stops after this many directory entries (a folder such as a home directory passed by mistake). */
export const maxEntries = 200_000;

/** The ignore rules of one folder's `.gitignore`, which apply to paths under that folder. */
interface Rules {
  base: string;
  rules: Ignore;
}

function readRules(dir: string, file: string, base: string): Rules | undefined {
  let text: string;
  try {
    text = fs.readFileSync(path.join(dir, file), 'utf8');
  } catch {
    return undefined;
  }
  return { base, rules: ignore().add(text) };
}

function ignoredBy(chain: readonly Rules[], relative: string, isDir: boolean): boolean {
  // A later (deeper) file's negation can re-include what an earlier one ignored, as in git.
  let ignored = false;
  for (const { base, rules } of chain) {
    const within = base === '' ? relative : relative.slice(base.length + 1);
    const result = rules.test(isDir ? `${within}/` : within);
    if (result.ignored) ignored = true;
    else if (result.unignored) ignored = false;
  }
  return ignored;
}

/** Whether a glob of `excludeGlobs` matches the file (dotfiles included, as VS Code's globs do). */
export function excludedByGlobs(globs: readonly string[], absolute: string, relative: string): boolean {
  const absolutePosix = absolute.split(path.sep).join('/');
  return globs.some((glob) => minimatch(absolutePosix, glob, { dot: true }) || minimatch(relative, glob, { dot: true }));
}

export function listRepoFiles(root: string, options: ListOptions): RepoListing {
  const maxFiles = options.maxFiles ?? defaultMaxFiles;
  const files: RepoFile[] = [];
  let visited = 0;
  const rootRules = [readRules(path.join(root, '.git', 'info'), 'exclude', ''), readRules(root, '.gitignore', '')].filter((r): r is Rules => r !== undefined);
  const walk = (relativeDir: string, chain: readonly Rules[]): boolean => {
    const dir = path.join(root, relativeDir);
    let entries: fs.Dirent[];
    try {
      entries = fs.readdirSync(dir, { withFileTypes: true });
    } catch {
      return true;
    }
    entries.sort((a, b) => (a.name < b.name ? -1 : a.name > b.name ? 1 : 0));
    for (const entry of entries) {
      if (++visited > maxEntries) return false;
      const relative = relativeDir === '' ? entry.name : `${relativeDir}/${entry.name}`;
      if (entry.isDirectory()) {
        if (entry.name === '.git' || ignoredBy(chain, relative, true)) continue;
        const nested = readRules(path.join(dir, entry.name), '.gitignore', relative);
        if (!walk(relative, nested ? [...chain, nested] : chain)) return false;
      } else if (entry.isFile()) {
        const lang = codeExtensions[path.extname(entry.name).toLowerCase()];
        if (!lang || ignoredBy(chain, relative, false) || excludedByGlobs(options.excludeGlobs, path.join(dir, entry.name), relative)) continue;
        if (files.length >= maxFiles) return false;
        files.push({ path: relative, lang });
      }
      // Symbolic links and other entries are skipped: they can point outside the repository or loop.
    }
    return true;
  };
  const complete = walk('', rootRules);
  return { files, truncated: !complete };
}

export { maxFileBytes };

export type ReadOutcome = { text: string } | { skipped: SkipReason };

/** A file's text, unless it is huge, binary (a NUL byte, or not UTF-8), minified, or cannot be read. */
export function readCodeFile(file: string): ReadOutcome {
  let bytes: Buffer;
  try {
    if (fs.statSync(file).size > maxFileBytes) return { skipped: 'huge' };
    bytes = fs.readFileSync(file);
  } catch {
    return { skipped: 'unreadable' };
  }
  return codeText(bytes);
}
