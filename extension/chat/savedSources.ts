/**
 * The files an answer was given as context (`@codebase` chunks), as a saved conversation keeps them, and their checks
 * when read back: global state can hold anything (an older Rook, a corrupt file, a hand edit), and a source becomes a
 * link that opens a file. Plain functions, no `vscode`: the history store and the chat session use them.
 */
import * as path from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';
import type { ChatMessage } from '../../server/protocol/contract';

/** One file (and zero-based, inclusive lines) an answer linked to, with the label the link shows. */
export interface SavedSource {
  label: string;
  uri: string;
  firstLine: number;
  lastLine: number;
}

/** The sources of the assistant message at `answer` (its index in the conversation's `messages`). */
export interface AnswerSources {
  answer: number;
  files: SavedSource[];
}

/** `rook/searchCodebase` returns at most 32 chunks. */
export const maxSourcesPerAnswer = 32;
const maxLabelChars = 1_000;
const maxUriChars = 4_096;
/** The index reads files up to 256 KB: no chunk lies this far down a file. */
const maxLine = 1_000_000;

/**
 * The well-formed part of `raw` (a saved conversation's `sources`): entries for distinct assistant messages of
 * `messages`, each with at most `maxSourcesPerAnswer` files whose URIs are `file:` URIs (returned canonical, dot
 * segments resolved) and whose lines are whole numbers in order; anything else is dropped. Undefined (a conversation
 * saved before sources were kept) gives none.
 */
export function validSources(raw: unknown, messages: readonly ChatMessage[]): AnswerSources[] {
  if (!Array.isArray(raw) || !Array.isArray(messages)) return [];
  const seen = new Set<number>();
  const valid: AnswerSources[] = [];
  // No more entries are looked at than there are messages: a corrupt list costs no more than a sound one.
  for (const entry of raw.slice(0, messages.length)) {
    if (typeof entry !== 'object' || entry === null) continue;
    const { answer, files } = entry as Record<string, unknown>;
    if (!Number.isSafeInteger(answer) || seen.has(answer as number) || messages[answer as number]?.role !== 'assistant') continue;
    if (!Array.isArray(files)) continue;
    const checked = files.slice(0, maxSourcesPerAnswer).map(validSource).filter((file): file is SavedSource => file !== undefined);
    if (checked.length === 0) continue;
    seen.add(answer as number);
    valid.push({ answer: answer as number, files: checked });
  }
  return valid.sort((a, b) => a.answer - b.answer);
}

function validSource(raw: unknown): SavedSource | undefined {
  if (typeof raw !== 'object' || raw === null) return undefined;
  const { label, uri, firstLine, lastLine } = raw as Record<string, unknown>;
  if (typeof label !== 'string' || label === '' || label.length > maxLabelChars) return undefined;
  if (typeof uri !== 'string' || uri.length > maxUriChars) return undefined;
  if (!Number.isSafeInteger(firstLine) || !Number.isSafeInteger(lastLine)) return undefined;
  if ((firstLine as number) < 0 || (lastLine as number) < (firstLine as number) || (lastLine as number) > maxLine) return undefined;
  const file = filePath(uri);
  return file === undefined ? undefined : { label, uri: pathToFileURL(file).href, firstLine: firstLine as number, lastLine: lastLine as number };
}

/** The absolute path a `file:` URI names on this machine; undefined for other schemes and malformed URIs. */
function filePath(uri: string): string | undefined {
  try {
    const url = new URL(uri);
    if (url.protocol !== 'file:') return undefined;
    return fileURLToPath(url);
  } catch {
    return undefined;
  }
}

/** Whether the `file:` URI names a file inside one of `folders` (absolute paths of the workspace folders). */
export function isInsideFolders(uri: string, folders: readonly string[]): boolean {
  const file = filePath(uri);
  if (file === undefined) return false;
  return folders.some((folder) => {
    const relative = path.relative(folder, file);
    return relative !== '' && relative !== '..' && !relative.startsWith(`..${path.sep}`) && !path.isAbsolute(relative);
  });
}

/** `sources` with only the files inside `folders`; answers left with none are dropped. */
export function sourcesWithin(sources: readonly AnswerSources[], folders: readonly string[]): AnswerSources[] {
  return sources
    .map(({ answer, files }) => ({ answer, files: files.filter((file) => isInsideFolders(file.uri, folders)) }))
    .filter((entry) => entry.files.length > 0);
}
