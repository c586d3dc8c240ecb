/**
 * Context from VS Code's language servers (declarations of symbols near the cursor, signatures
 * exported by imported files), which the extension sends per document: checking it, choosing what
 * fits a prompt, and laying it out around the similarity snippets. Imports go first (they change
 * least, so a prefix cache keeps hitting across them), definitions last, next to the code that
 * uses them.
 */
import type { CompletionContextParams, ContextSnippet } from '../protocol/contract';
import { displayPath, formatContextBlock, formatSnippets, type LineRange, type Snippet } from './snippets';

/** Shares of the snippet budget; what they leave unused goes to the workspace index's chunks and similarity snippets. */
export const languageContextShares: Record<ContextSnippet['kind'], number> = { definition: 0.4, import: 0.2 };
/** The share of what language-server context leaves that chunks from the workspace index may take; similar snippets get the rest. */
export const retrievedShare = 0.5;

/** Bounds on one notification: more than the extension ever sends, small enough to keep in memory. */
const maxSnippets = 64;
const maxSnippetChars = 8000;

export type ParsedCompletionContext = { ok: true; context: CompletionContextParams } | { ok: false; problem: string };

/** Checks a `rook/completionContext` payload; says what is wrong with a malformed one. */
export function parseCompletionContext(params: unknown): ParsedCompletionContext {
  const value = params as Partial<CompletionContextParams> | undefined;
  if (typeof value?.uri !== 'string' || typeof value.version !== 'number') return { ok: false, problem: 'it needs a document uri and version' };
  if (!Array.isArray(value.snippets) || value.snippets.length > maxSnippets) return { ok: false, problem: `it needs at most ${maxSnippets} snippets` };
  for (const [index, snippet] of value.snippets.entries()) {
    const valid =
      (snippet?.kind === 'definition' || snippet?.kind === 'import') &&
      typeof snippet.uri === 'string' &&
      typeof snippet.name === 'string' &&
      Number.isInteger(snippet.firstLine) &&
      snippet.firstLine >= 0 &&
      typeof snippet.text === 'string' &&
      snippet.text.length <= maxSnippetChars;
    if (!valid) return { ok: false, problem: `snippet ${index} needs kind (definition|import), uri, name, firstLine and text of at most ${maxSnippetChars} characters` };
  }
  return { ok: true, context: value as CompletionContextParams };
}

export interface ChosenLanguageContext {
  definitions: ContextSnippet[];
  imports: ContextSnippet[];
}

/**
 * The snippets a prompt with `maxChars` of snippet budget takes: per kind, in the order sent (most
 * relevant first), within the kind's share, skipping a definition whose lines overlap one already
 * chosen (two names declared together, a method inside a chosen class).
 */
export function selectLanguageContext(snippets: readonly ContextSnippet[], maxChars: number): ChosenLanguageContext {
  const chosen: ChosenLanguageContext = { definitions: [], imports: [] };
  const used = { definition: 0, import: 0 };
  for (const snippet of snippets) {
    const share = Math.floor(maxChars * languageContextShares[snippet.kind]);
    if (snippet.text.trim() === '' || used[snippet.kind] + snippet.text.length > share) continue;
    if (chosen.definitions.some((other) => overlaps(other, snippet))) continue;
    (snippet.kind === 'definition' ? chosen.definitions : chosen.imports).push(snippet);
    used[snippet.kind] += snippet.text.length;
  }
  return chosen;
}

/** Characters of snippet text chosen (the budget counts text, not headings). */
export function languageContextChars(chosen: ChosenLanguageContext): number {
  return [...chosen.definitions, ...chosen.imports].reduce((sum, snippet) => sum + snippet.text.length, 0);
}

/** The lines the chosen definitions bring into the prompt, so similarity snippets need not repeat them. */
export function definitionLines(chosen: ChosenLanguageContext): LineRange[] {
  return chosen.definitions.map((snippet) => ({ uri: snippet.uri, firstLine: snippet.firstLine, lastLine: lastLine(snippet) }));
}

/**
 * Imports' signatures, then similar snippets, then chunks from the workspace index, then definitions, as comments in
 * `languageId`: what changes least comes first, so a prompt cache keeps hitting over it.
 */
export function formatCompletionContext(chosen: ChosenLanguageContext, similar: readonly Snippet[], languageId: string, retrieved: readonly Snippet[] = []): string {
  const imports = chosen.imports.map((snippet) => formatContextBlock(`Signatures exported by ${displayPath(snippet.uri)}`, snippet.text, languageId));
  const definitions = chosen.definitions.map((snippet) =>
    formatContextBlock(`Definition of ${snippet.name} from ${displayPath(snippet.uri)}`, snippet.text, languageId),
  );
  return imports.join('') + formatSnippets(similar, languageId) + formatSnippets(retrieved, languageId) + definitions.join('');
}

/** Same file, overlapping lines. Only definitions are contiguous lines; an import's signatures are not. */
function overlaps(a: ContextSnippet, b: ContextSnippet): boolean {
  if (a.kind !== 'definition' || b.kind !== 'definition' || a.uri !== b.uri) return false;
  return a.firstLine <= lastLine(b) && b.firstLine <= lastLine(a);
}

function lastLine(snippet: ContextSnippet): number {
  return snippet.firstLine + snippet.text.split('\n').length - 1;
}
