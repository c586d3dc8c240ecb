/**
 * Code from the workspace index (`server/index/`) for a completion prompt: the query is the whole identifiers near
 * the cursor (its line up to the cursor and the lines above; a word still being typed matches no term, so it leaves
 * the chunks, and the prompt's cached start, as they were until it is whole), the chunks skip what the prompt already has (the current file; lines a
 * language-server definition brings), and each is cut to its lines from the first that names a query term, so a
 * chunk that does not fit whole still brings the definition it was found for.
 */
import { fileURLToPath } from 'node:url';
import { queryTerms, terms } from '../index/terms';
import type { LineRange, Snippet } from './snippets';

/** Terms in a completion query: the nearest names, enough to find where they are defined. */
const maxQueryTerms = 12;
/** Lines above the cursor's that the query reads. */
const queryLines = 16;

export interface RetrievableChunk {
  uri: string;
  firstLine: number;
  text: string;
  score: number;
}

/** The query for a completion at `offset` of `text`: the nearest names first. */
export function retrievalQuery(text: string, offset: number): string[] {
  const lineStart = text.lastIndexOf('\n', offset - 1) + 1;
  let start = lineStart;
  for (let line = 0; line < queryLines && start > 0; line++) start = text.lastIndexOf('\n', start - 2) + 1;
  return queryTerms(text.slice(start, offset), maxQueryTerms);
}

/**
 * The chunks that fit `maxChars` in all, best first, skipping chunks mostly made of `covered` lines; a chunk too
 * long for the room left keeps its lines from the first naming a term of `query`, as many as fit.
 */
export function selectRetrieved(chunks: readonly RetrievableChunk[], query: readonly string[], maxChars: number, covered: readonly LineRange[]): Snippet[] {
  const chosen: Snippet[] = [];
  let used = 0;
  const wanted = new Set(query);
  for (const chunk of chunks) {
    const lines = chunk.text.split('\n');
    if (coveredLines(chunk, lines.length, covered) * 2 >= lines.length) continue;
    let first = 0;
    let text = chunk.text;
    if (used + text.length > maxChars) {
      first = Math.max(0, lines.findIndex((line) => terms(line).some((term) => wanted.has(term))));
      text = fitLines(lines.slice(first), maxChars - used);
    }
    if (text.trim() === '') continue;
    chosen.push({ uri: chunk.uri, firstLine: chunk.firstLine + first, text, score: chunk.score });
    used += text.length;
  }
  return chosen;
}

/** As many whole lines from the start as fit `maxChars` (joined by line breaks). */
function fitLines(lines: readonly string[], maxChars: number): string {
  let length = -1;
  let count = 0;
  while (count < lines.length && length + 1 + lines[count].length <= maxChars) length += 1 + lines[count++].length;
  return lines.slice(0, count).join('\n');
}

function coveredLines(chunk: RetrievableChunk, lineCount: number, covered: readonly LineRange[]): number {
  const file = localPath(chunk.uri);
  const ranges = covered.filter((range) => localPath(range.uri) === file);
  let count = 0;
  for (let line = chunk.firstLine; line < chunk.firstLine + lineCount; line++) if (ranges.some((range) => range.firstLine <= line && line <= range.lastLine)) count++;
  return count;
}

/** A file URI as a local path, so URIs spelled differently (VS Code escapes more characters) still compare equal. */
function localPath(uri: string): string {
  try {
    return uri.startsWith('file:') ? fileURLToPath(uri) : uri;
  } catch {
    return uri;
  }
}
