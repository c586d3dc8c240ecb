/**
 * Context snippets from other open documents: windows of lines ranked by Jaccard similarity of
 * their identifiers to the lines above the cursor, with a bonus for regions the user edited lately.
 * They go before the prompt's stable prefix, written as comments, so a prefix cache still hits:
 * the ranking only changes when the cursor moves to another block of lines or another file changes.
 */
import { unusableContentReason } from './contentCheck';
import type { RecentEdits } from './recentEdits';
import { identifiers, jaccard } from './similarity';

export interface OpenDocument {
  uri: string;
  version: number;
  languageId: string;
  getText(): string;
}

export interface Snippet {
  uri: string;
  firstLine: number;
  text: string;
  score: number;
}

/** Lines of a file that the prompt already carries (a definition from a language server), inclusive. */
export interface LineRange {
  uri: string;
  firstLine: number;
  lastLine: number;
}

/** A window mostly made of lines the prompt already has adds little besides the repetition. */
const maxCoveredShare = 0.5;

const windowLines = 20;
const strideLines = 10;
/** Lines above the cursor compared with candidates; the window moves in steps of `cursorStepLines`. */
const cursorWindowLines = 24;
const cursorStepLines = 8;
/** Documents bigger than this are not scanned for snippets (bounded work per keystroke). */
const maxScannedChars = 512 * 1024;
const minScore = 0.05;
const recentEditBonus = 0.1;

interface Chunk {
  firstLine: number;
  text: string;
  identifiers: Set<string>;
}

/**
 * The lines above the cursor line that snippets are compared with, ending at a multiple of
 * `cursorStepLines` so typing, and moving within a block, keeps them (and the snippets) the same.
 * Walks back from the cursor, so the cost does not grow with the document.
 */
export function cursorWindow(text: string, offset: number, cursorLine: number): string {
  const skipLines = cursorLine % cursorStepLines;
  let end = text.lastIndexOf('\n', offset - 1) + 1;
  for (let skipped = 0; skipped < skipLines && end > 0; skipped++) end = text.lastIndexOf('\n', end - 2) + 1;
  let start = end;
  for (let taken = 0; taken < cursorWindowLines && start > 0; taken++) start = text.lastIndexOf('\n', start - 2) + 1;
  return text.slice(start, end);
}

/** Chunks of open documents, kept per document version so each keystroke only ranks. */
export class SnippetIndex {
  private readonly chunks = new Map<string, { version: number; chunks: Chunk[] }>();

  constructor(private readonly recentEdits: RecentEdits) {}

  /**
   * The best snippets from `documents` other than `currentUri`, within `maxChars` in all, skipping windows that
   * are at least half lines of `covered` (already in the prompt).
   */
  select(documents: readonly OpenDocument[], currentUri: string, window: string, maxChars: number, covered: readonly LineRange[] = []): Snippet[] {
    const target = identifiers(window);
    if (maxChars <= 0 || target.size === 0) return [];
    const ranked: Snippet[] = [];
    for (const document of documents) {
      if (document.uri === currentUri) continue;
      for (const chunk of this.chunksOf(document)) {
        const lastLine = chunk.firstLine + windowLines - 1;
        const score = jaccard(target, chunk.identifiers) + (this.recentEdits.touches(document.uri, chunk.firstLine, lastLine) ? recentEditBonus : 0);
        if (score >= minScore) ranked.push({ uri: document.uri, firstLine: chunk.firstLine, text: chunk.text, score });
      }
    }
    // Best first; equal scores in a fixed order, so the prompt does not flicker between them.
    ranked.sort((a, b) => b.score - a.score || a.uri.localeCompare(b.uri) || a.firstLine - b.firstLine);
    const chosen: Snippet[] = [];
    let used = 0;
    for (const snippet of ranked) {
      if (used + snippet.text.length > maxChars) continue;
      if (chosen.some((other) => other.uri === snippet.uri && Math.abs(other.firstLine - snippet.firstLine) < windowLines)) continue;
      if (coveredShare(snippet, covered) >= maxCoveredShare) continue;
      chosen.push(snippet);
      used += snippet.text.length;
    }
    return chosen;
  }

  forget(uri: string): void {
    this.chunks.delete(uri);
  }

  private chunksOf(document: OpenDocument): Chunk[] {
    const cached = this.chunks.get(document.uri);
    if (cached?.version === document.version) return cached.chunks;
    const text = document.getText();
    const chunks: Chunk[] = [];
    if (text.length <= maxScannedChars && !unusableContentReason(text)) {
      const lines = text.split('\n');
      for (let first = 0; first < lines.length; first += strideLines) {
        const chunkText = lines.slice(first, first + windowLines).join('\n');
        if (chunkText.trim() !== '') chunks.push({ firstLine: first, text: chunkText, identifiers: identifiers(chunkText) });
        if (first + windowLines >= lines.length) break;
      }
    }
    this.chunks.set(document.uri, { version: document.version, chunks });
    return chunks;
  }
}

/** The share of `snippet`'s lines that lie in one of `covered`'s ranges of the same file. */
export function coveredShare(snippet: Snippet, covered: readonly LineRange[]): number {
  const lineCount = snippet.text.split('\n').length;
  const lastLine = snippet.firstLine + lineCount - 1;
  let coveredLines = 0;
  for (let line = snippet.firstLine; line <= lastLine; line++) {
    if (covered.some((range) => range.uri === snippet.uri && range.firstLine <= line && line <= range.lastLine)) coveredLines++;
  }
  return coveredLines / lineCount;
}

const hashCommentLanguages = new Set(['python', 'ruby', 'shellscript', 'perl', 'r', 'yaml', 'toml', 'dockerfile', 'makefile', 'powershell', 'elixir', 'julia', 'coffeescript']);
const dashCommentLanguages = new Set(['lua', 'sql', 'haskell', 'elm']);

function lineComment(languageId: string): string {
  if (hashCommentLanguages.has(languageId)) return '#';
  if (dashCommentLanguages.has(languageId)) return '--';
  return '//';
}

/** One block of context as line comments in `languageId`, headed by what it is. */
export function formatContextBlock(heading: string, text: string, languageId: string): string {
  const comment = lineComment(languageId);
  const body = text.split('\n').map((line) => `${comment} ${line}`);
  return [`${comment} ${heading}:`, ...body].join('\n') + '\n';
}

/** Snippets as line comments in the cursor document's language, each headed by its file. */
export function formatSnippets(snippets: readonly Snippet[], languageId: string): string {
  return snippets.map((snippet) => formatContextBlock(`Compare this snippet from ${displayPath(snippet.uri)}`, snippet.text, languageId)).join('');
}

/** A file URI as a path, as context headings show it. */
export function displayPath(uri: string): string {
  return uri.replace(/^file:\/\//, '');
}
