/**
 * The code files of a repository that evaluation cases may be cut from: every file under the root with a code
 * extension that the workspace index's walk would read (`../index/sourceFiles.ts`: `.gitignore` files, Rook's excluded
 * globs, `.git`, `node_modules` and symbolic links left out), in a fixed order so a seed always cuts the same cases.
 * Listing is bounded (`maxFiles`, `maxEntries`); reading (`readSource`) skips huge, binary and minified files.
 */
import * as path from 'node:path';
import { FileRules, walkFolder, type WalkLimit } from '../index/sourceFiles';

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

/** Where the walk stops: a repository this large still gives cases from the first 20,000 code files its walk meets. */
export const defaultMaxFiles = 20_000;
/** The walk also stops after this many directory entries (a folder such as a home directory passed by mistake). */
export const maxEntries = 200_000;

function languageOf(name: string): string | undefined {
  return codeExtensions[path.extname(name).toLowerCase()];
}

/**
 * The repository's code files, sorted as a depth-first walk in name order meets them (a folder's files among its
 * entries by name), whatever order the walk found them in: the seeded shuffle of `repoCases.ts` starts from it.
 */
export async function listRepoFiles(root: string, options: ListOptions): Promise<RepoListing> {
  const maxFiles = options.maxFiles ?? defaultMaxFiles;
  const rules = new FileRules(root, options.excludeGlobs, (name) => languageOf(name) !== undefined);
  const limit: WalkLimit = { maxEntries };
  const files: RepoFile[] = [];
  let truncated = false;
  // Yielding to the event loop between folders lets the sidecar answer requests while it lists a large repository.
  for await (const relative of walkFolder(rules, () => new Promise((resolve) => setImmediate(resolve)), limit)) {
    if (files.length >= maxFiles) {
      truncated = true;
      break;
    }
    files.push({ path: relative, lang: languageOf(relative)! });
  }
  files.sort((a, b) => comparePaths(a.path, b.path));
  return { files, truncated: truncated || limit.reached === true };
}

/** Folder by folder, each part by name: `a/b.ts` before `a.ts`, as a depth-first walk in name order lists them. */
function comparePaths(a: string, b: string): number {
  const left = a.split('/');
  const right = b.split('/');
  for (let i = 0; i < Math.min(left.length, right.length); i++) {
    if (left[i] !== right[i]) return left[i] < right[i] ? -1 : 1;
  }
  return left.length - right.length;
}
