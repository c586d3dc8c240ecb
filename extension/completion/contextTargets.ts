/**
 * What to ask VS Code's language servers about for completion context, and what to keep of their
 * answers: identifiers near the cursor, module specifiers of import lines, the declaration that
 * encloses a definition, the exported signatures of a file. Pure, so it runs without VS Code.
 */

export interface TextPosition {
  line: number;
  character: number;
}

export interface NamedPosition extends TextPosition {
  name: string;
}

/** A document symbol as VS Code reports it, reduced to what the choices here need. */
export interface SymbolOutline {
  name: string;
  startLine: number;
  startCharacter: number;
  endLine: number;
  endCharacter: number;
  children: SymbolOutline[];
}

/** Words that are syntax, not symbols with a definition, in the languages Rook knows best. */
const keywords = new Set(
  (
    'abstract and as async await break case catch class const continue def default del delete do elif else enum except export extends ' +
    'false finally for from function global if implements import in instanceof interface is lambda let new none None nonlocal not null ' +
    'of or pass private protected public raise readonly return self static super switch this throw true True False try type typeof ' +
    'undefined var void while with yield'
  ).split(' '),
);

const identifierPattern = /[A-Za-z_$][\w$]*/g;
/** Identifiers looked up per request: enough for the call being typed and its arguments. */
export const maxNearbyIdentifiers = 6;

/**
 * Identifiers worth a definition lookup, most relevant first: the member/call chain that ends at
 * the cursor (`store.users.find|`: find, users, store), the function whose arguments the cursor is
 * in (`describe(count, |`: describe), then the rest of the cursor's line nearest first, then the
 * previous line from its end. Keywords and single letters are left out.
 */
export function identifiersNearCursor(cursorLine: string, previousLine: string | undefined, cursor: TextPosition): NamedPosition[] {
  const found: NamedPosition[] = [];
  const add = (name: string, line: number, character: number) => {
    if (name.length < 2 || keywords.has(name) || found.some((other) => other.name === name)) return;
    found.push({ name, line, character });
  };
  // Only text near the cursor is read: a 100 KB line costs no more than a short one.
  const shift = Math.max(0, cursor.character - scannedChars);
  const before = cursorLine.slice(shift, cursor.character);
  const near = cursorLine.slice(shift, cursor.character + scannedChars);
  const onLine = [...near.matchAll(identifierPattern)]
    .filter((match) => !cutAtEdge(match, near.length, shift > 0, shift + near.length < cursorLine.length))
    .map((match) => ({ name: match[0], start: shift + match.index, end: shift + match.index + match[0].length }));
  const chainEndingAt = (end: number) => {
    const start = end - (memberChain.exec(before.slice(0, end - shift))?.[0].length ?? 0);
    return onLine.filter((word) => word.start >= start && word.end <= end).reverse();
  };
  for (const word of chainEndingAt(cursor.character)) add(word.name, cursor.line, word.start);
  const openCall = unclosedParen(before);
  if (openCall !== undefined) for (const word of chainEndingAt(shift + openCall)) add(word.name, cursor.line, word.start);
  const distance = (word: { start: number; end: number }) => (word.end <= cursor.character ? cursor.character - word.end : word.start - cursor.character);
  for (const word of [...onLine].sort((a, b) => distance(a) - distance(b))) add(word.name, cursor.line, word.start);
  if (previousLine !== undefined) {
    const previousShift = Math.max(0, previousLine.length - scannedChars);
    const tail = previousLine.slice(previousShift);
    for (const match of [...tail.matchAll(identifierPattern)].reverse()) {
      if (!cutAtEdge(match, tail.length, previousShift > 0, false)) add(match[0], cursor.line - 1, previousShift + match.index);
    }
  }
  return found.slice(0, maxNearbyIdentifiers);
}

/** Characters read on either side of the cursor, and at the end of the previous line. */
const scannedChars = 256;

/** `a.b.c` or `a?.b.` at the end of a text. */
const memberChain = /(?:[A-Za-z_$][\w$]*\s*\??\.\s*)*[A-Za-z_$]?[\w$]*$/;

/** A match at the edge of a window cut out of a longer line may be a fragment of an identifier. */
function cutAtEdge(match: RegExpMatchArray, windowLength: number, cutBefore: boolean, cutAfter: boolean): boolean {
  const index = match.index ?? 0;
  return (cutBefore && index === 0) || (cutAfter && index + match[0].length === windowLength);
}

/** Where the innermost `(` still open at the end of `text` is, if any. */
function unclosedParen(text: string): number | undefined {
  let depth = 0;
  for (let index = text.length - 1; index >= 0; index--) {
    if (text[index] === ')') depth++;
    else if (text[index] === '(' && depth-- === 0) return index;
  }
  return undefined;
}

/** Import lines are looked for near the top of a file only: bounded work per document. */
const maxImportScanLines = 200;
export const maxImports = 8;
/** Longer lines are data or minified code, not imports. */
const maxImportLineChars = 1000;

const importPatterns: Record<string, RegExp[]> = {
  script: [/^\s*(?:import|export)\b[^'"`]*?\bfrom\s*(['"])([^'"]+)\1/, /^\s*import\s*(['"])([^'"]+)\1/, /\brequire\s*\(\s*(['"])([^'"]+)\1\s*\)/],
  python: [/^\s*from\s+()([\w.]+)\s+import\b/, /^\s*import\s+()([\w.]+)/],
};

const scriptLanguages = new Set(['typescript', 'typescriptreact', 'javascript', 'javascriptreact']);

/**
 * Module specifiers of the file's import lines (`import … from 'x'`, `import 'x'`, `export … from`,
 * `require('x')`, Python's `from x import` and `import x`), each with the position of the specifier,
 * where a definition lookup resolves the module to its file.
 */
export function importSpecifiers(text: string, languageId: string): NamedPosition[] {
  const patterns = scriptLanguages.has(languageId) ? importPatterns.script : languageId === 'python' ? importPatterns.python : undefined;
  if (!patterns) return [];
  const found: NamedPosition[] = [];
  const lines = text.split('\n', maxImportScanLines);
  for (const [line, lineText] of lines.entries()) {
    if (lineText.length > maxImportLineChars) continue;
    for (const pattern of patterns) {
      const match = pattern.exec(lineText);
      if (!match) continue;
      const specifier = match[2];
      const character = match.index + match[0].lastIndexOf(specifier + match[1]);
      if (!found.some((other) => other.name === specifier)) found.push({ name: specifier, line, character });
      break;
    }
    if (found.length === maxImports) break;
  }
  return found;
}

/** The innermost symbol whose range holds `position`: the declaration a definition belongs to. */
export function enclosingSymbol(symbols: readonly SymbolOutline[], position: TextPosition): SymbolOutline | undefined {
  const holds = (symbol: SymbolOutline) =>
    comparePositions({ line: symbol.startLine, character: symbol.startCharacter }, position) <= 0 &&
    comparePositions(position, { line: symbol.endLine, character: symbol.endCharacter }) <= 0;
  const outer = symbols.find(holds);
  return outer ? (enclosingSymbol(outer.children, position) ?? outer) : undefined;
}

/** A declaration's size cap: its signature and first lines say what it is and how to call it. */
export const maxDeclarationLines = 12;
export const maxDeclarationChars = 1200;

/** The text of lines `firstLine`..`lastLine` of `lines`, cut to the declaration caps on a line boundary. */
export function declarationText(lines: readonly string[], firstLine: number, lastLine: number): string {
  const kept: string[] = [];
  let chars = 0;
  for (let line = firstLine; line <= Math.min(lastLine, firstLine + maxDeclarationLines - 1, lines.length - 1); line++) {
    const text = lines[line].replace(/\s+$/, '');
    if (kept.length > 0 && chars + text.length + 1 > maxDeclarationChars) break;
    kept.push(text.slice(0, maxDeclarationChars));
    chars += text.length + 1;
  }
  return kept.join('\n');
}

export const maxSignatureChars = 1200;

/**
 * The first line of each top-level symbol a file exports, within `maxSignatureChars`: for scripts
 * those declared with `export`, for Python names without a leading underscore, for other languages
 * every top-level symbol.
 */
export function exportedSignatures(symbols: readonly SymbolOutline[], lines: readonly string[], languageId: string): string {
  const exported = (symbol: SymbolOutline) => {
    const line = lines[symbol.startLine] ?? '';
    if (scriptLanguages.has(languageId)) return /^\s*export\b/.test(line);
    if (languageId === 'python') return !symbol.name.startsWith('_');
    return true;
  };
  const kept: string[] = [];
  let chars = 0;
  for (const symbol of [...symbols].sort((a, b) => a.startLine - b.startLine)) {
    const signature = (lines[symbol.startLine] ?? '').trim();
    if (!exported(symbol) || signature === '' || kept.includes(signature)) continue;
    if (chars + signature.length + 1 > maxSignatureChars) break;
    kept.push(signature);
    chars += signature.length + 1;
  }
  return kept.join('\n');
}

/**
 * Lines around the cursor that the prompt's own prefix and suffix usually cover: a definition found
 * there is already in the prompt. The prefix budget is a few thousand characters, ~80 lines of code.
 */
const promptWindowLinesBefore = 80;
const promptWindowLinesAfter = 20;

export function insidePromptWindow(definitionLine: number, cursorLine: number): boolean {
  return definitionLine >= cursorLine - promptWindowLinesBefore && definitionLine <= cursorLine + promptWindowLinesAfter;
}

function comparePositions(a: TextPosition, b: TextPosition): number {
  return a.line - b.line || a.character - b.character;
}
