/**
 * What the model is told besides the question: pieces of the user's workspace (the selection, the current
 * file, files mentioned as `@path`, chunks the workspace index finds for `@codebase`, the current file's problems),
 * each in its own fenced block before the question, cut to a token budget. Plain functions, no `vscode`: the chat
 * view gathers the pieces.
 */

export type ContextKind = 'selection' | 'file' | 'mention' | 'codebase' | 'problems';

export interface ContextPiece {
  kind: ContextKind;
  /** Shown to the user and to the model, e.g. `main.ts:3-7` or `src/util.ts`. */
  label: string;
  /** The fence's language tag; empty for plain text. */
  language: string;
  text: string;
  /** For a `codebase` piece: the file and zero-based lines it comes from, which the answer links to. */
  source?: { uri: string; firstLine: number; lastLine: number };
}

/**
 * Tokens are estimated as characters / 4, the usual rule of thumb for code and English with BPE
 * tokenizers; the sidecar does not expose its tokenizer, and the budget only needs to be about right.
 */
export function estimateTokens(text: string): number {
  return Math.ceil(text.length / 4);
}

/** How much of the prompt workspace context may take, in estimated tokens. */
export const contextBudgetTokens = 6_000;

const headings: Record<ContextKind, string> = {
  selection: 'Selected code from',
  file: 'The current file,',
  mention: 'The file',
  codebase: 'From the workspace,',
  problems: 'Problems reported in',
};

/** `@path` mentions in a question: an `@` at the start or after whitespace, up to the next whitespace. */
export function mentionedPaths(question: string): string[] {
  const paths = mentions(question).map((mention) => mention.replace(/[.,;:!?)]+$/, ''));
  return [...new Set(paths)].filter((path) => path !== '' && path !== 'codebase' && !path.startsWith('folder:'));
}

function mentions(question: string): string[] {
  return [...question.matchAll(/(?:^|\s)@([^\s@]+)/g)].map((match) => match[1]);
}

export interface CodebaseQuery {
  /** The question without its `@` mentions: what the index ranks chunks by. */
  query: string;
  /** From `@folder:PATH`: only files under PATH (workspace-relative). */
  within?: string;
}

/**
 * What a question asks of the workspace index: `@codebase` searches every folder, `@folder:PATH` only PATH (and
 * implies `@codebase`); undefined when it mentions neither.
 */
export function codebaseQuery(question: string): CodebaseQuery | undefined {
  const found = mentions(question);
  const folder = found.find((mention) => mention.startsWith('folder:'));
  if (!folder && !found.some((mention) => mention.replace(/[.,;:!?)]+$/, '') === 'codebase')) return undefined;
  const query = question.replace(/(^|\s)@[^\s@]+/g, ' ').replace(/\s+/g, ' ').trim();
  const within = folder?.slice('folder:'.length).replace(/[.,;:!?)]+$/, '').replace(/\/+$/, '');
  return within && isInsideWorkspacePath(within) ? { query, within } : { query };
}

/** A workspace-relative path that cannot leave the workspace folder: no absolute paths, no `..`. */
export function isInsideWorkspacePath(path: string): boolean {
  return !/^([a-zA-Z]:)?[\\/]/.test(path) && !path.split(/[\\/]/).includes('..');
}

/** A fence longer than any run of backticks in `text`, so the text cannot close it. */
function fenceFor(text: string): string {
  const longest = Math.max(2, ...[...text.matchAll(/`+/g)].map((match) => match[0].length));
  return '`'.repeat(longest + 1);
}

function renderPiece(piece: ContextPiece): string {
  const fence = fenceFor(piece.text);
  return `${headings[piece.kind]} ${piece.label}:\n${fence}${piece.language}\n${piece.text}\n${fence}`;
}

const cutNote = '\n… (cut to fit the context budget)';
/** The blank line that separates a piece from the next one, or from the question. */
const separator = '\n\n';

/**
 * Cuts pieces to `budget` estimated tokens in their order of importance (the order given): a piece that
 * does not fit whole keeps its beginning and says that it was cut; pieces after the budget is spent go.
 */
export function fitToBudget(pieces: readonly ContextPiece[], budget: number): ContextPiece[] {
  const fitted: ContextPiece[] = [];
  let charsLeft = budget * 4;
  for (const piece of pieces) {
    const cost = renderPiece(piece).length + separator.length;
    if (cost <= charsLeft) {
      fitted.push(piece);
      charsLeft -= cost;
      continue;
    }
    const room = charsLeft - renderPiece({ ...piece, text: cutNote }).length - separator.length;
    // A few lines at least, or the cut piece is more noise than help.
    if (room >= 200) {
      fitted.push({ ...piece, text: `${piece.text.slice(0, room)}${cutNote}` });
    }
    break;
  }
  return fitted;
}

/** The user message the model gets: the context blocks, then the question as typed. */
export function composeQuestion(question: string, pieces: readonly ContextPiece[]): string {
  if (pieces.length === 0) return question;
  return `${pieces.map(renderPiece).join(separator)}${separator}${question}`;
}
