/**
 * Completion context from the language servers VS Code already runs: the declarations of
 * identifiers near the cursor (`vscode.executeDefinitionProvider`, then the enclosing symbol from
 * `vscode.executeDocumentSymbolProvider`) and the exported signatures of the workspace files the
 * document imports. Lookups run one at a time, newest wins, each with a time limit; results are
 * cached per document version and identifier. Lookups start when the cursor rests and on manual
 * requests; typing takes the context the last one found, and never waits for a lookup.
 */
import * as vscode from 'vscode';
import type { ContextSnippet } from '../../server/protocol/contract';
import {
  declarationText,
  enclosingSymbol,
  exportedSignatures,
  identifiersNearCursor,
  importSpecifiers,
  insidePromptWindow,
  maxDeclarationLines,
  type NamedPosition,
  type SymbolOutline,
} from './contextTargets';

interface ImportTarget {
  file: vscode.Uri;
  specifier: string;
}

export interface LanguageContextOptions {
  definitions: boolean;
  imports: boolean;
}

/** One language-server call may take this long; a busy or starting server is then skipped this time. */
const lookupTimeoutMs = 1000;
/** Files bigger than this are not read for signatures. */
const maxTargetChars = 512 * 1024;

export class LanguageContext {
  private readonly definitions = new LookupCache<ContextSnippet | undefined>(256, (found) => found !== undefined);
  private readonly importTargets = new LookupCache<(ImportTarget | undefined)[]>(32, (found) => found.every((target) => target !== undefined));
  private readonly outlines = new LookupCache<SymbolOutline[]>(32, (found) => found.length > 0);
  /** The last finished lookup per document: what a request uses while a newer one runs. */
  private readonly latest = new Map<string, ContextSnippet[]>();
  private queue: Promise<unknown> = Promise.resolve();
  private newest = 0;

  constructor(private readonly isExcluded: (document: vscode.TextDocument) => boolean) {}

  /**
   * Looks up context for `position` after the lookups already running; undefined when a newer
   * lookup was asked for before this one's turn came.
   */
  gather(document: vscode.TextDocument, position: vscode.Position, options: LanguageContextOptions): Promise<ContextSnippet[] | undefined> {
    const ticket = ++this.newest;
    const run = this.queue.then(async () => {
      if (ticket !== this.newest || document.isClosed) return undefined;
      // The document may have changed under a queued lookup (a line gone); that lookup is then moot.
      const snippets = await this.lookUp(document, position, options).catch(() => undefined);
      if (snippets) this.latest.set(document.uri.toString(), snippets);
      return snippets;
    });
    this.queue = run;
    return run;
  }

  /** `gathering`'s context if it is ready within `waitMs`, else (or with none) the document's last finished one. */
  async ready(uri: string, gathering: Promise<ContextSnippet[] | undefined> | undefined, waitMs: number): Promise<ContextSnippet[]> {
    if (!gathering) return this.latest.get(uri) ?? [];
    const settled = await Promise.race([gathering, new Promise<undefined>((resolve) => setTimeout(resolve, waitMs))]);
    return settled ?? this.latest.get(uri) ?? [];
  }

  /** Whether a finished lookup found context for the document. */
  hasContext(uri: string): boolean {
    return (this.latest.get(uri)?.length ?? 0) > 0;
  }

  forget(uri: string): void {
    this.latest.delete(uri);
  }

  private async lookUp(document: vscode.TextDocument, position: vscode.Position, options: LanguageContextOptions): Promise<ContextSnippet[]> {
    const uri = document.uri.toString();
    const definitions = options.definitions
      ? identifiersNearCursor(document.lineAt(position.line).text, position.line > 0 ? document.lineAt(position.line - 1).text : undefined, position).map(
          (target) => this.definitions.get(`${uri}@${document.version}#${target.name}`, () => this.definitionOf(document, target, position.line)),
        )
      : [];
    const imports = options.imports ? this.importsOf(document) : Promise.resolve([]);
    const found = await Promise.all(definitions);
    return [...found.filter((snippet): snippet is ContextSnippet => snippet !== undefined), ...(await imports)];
  }

  private async importsOf(document: vscode.TextDocument): Promise<ContextSnippet[]> {
    const specifiers = importSpecifiers(document.getText(new vscode.Range(0, 0, 200, 0)), document.languageId);
    // Where the imports lead is keyed by the import lines, not the version: typing elsewhere keeps it.
    // The signatures are read from the target's current version.
    const key = `${document.uri.toString()}#${specifiers.map((s) => `${s.line}:${s.character}:${s.name}`).join(',')}`;
    const targets = await this.importTargets.get(key, () => Promise.all(specifiers.map((specifier) => this.importTarget(document, specifier))));
    const found = await Promise.all(targets.map((target) => target && this.signaturesOf(target.file, target.specifier)));
    return found.filter((snippet): snippet is ContextSnippet => snippet !== undefined);
  }

  private async importTarget(document: vscode.TextDocument, specifier: NamedPosition): Promise<ImportTarget | undefined> {
    // Inside the specifier's quotes, where a definition lookup resolves the module to its file.
    const location = await this.definitionLocation(document, { ...specifier, character: specifier.character + 1 });
    if (!location || location.uri.toString() === document.uri.toString()) return undefined;
    return { file: location.uri, specifier: specifier.name };
  }

  private async definitionOf(document: vscode.TextDocument, target: NamedPosition, cursorLine: number): Promise<ContextSnippet | undefined> {
    const location = await this.definitionLocation(document, target);
    if (!location) return undefined;
    if (location.uri.toString() === document.uri.toString() && insidePromptWindow(location.position.line, cursorLine)) return undefined;
    const file = await this.workspaceDocument(location.uri);
    if (!file) return undefined;
    const symbol = enclosingSymbol(await this.outline(file), location.position);
    const firstLine = symbol?.startLine ?? location.position.line;
    const lastLine = Math.min(symbol?.endLine ?? firstLine, firstLine + maxDeclarationLines - 1, file.lineCount - 1);
    const lines = Array.from({ length: lastLine - firstLine + 1 }, (_, index) => file.lineAt(firstLine + index).text);
    const text = declarationText(lines, 0, lines.length - 1);
    return text.trim() === '' ? undefined : { kind: 'definition', uri: file.uri.toString(), firstLine, name: target.name, text };
  }

  private async signaturesOf(uri: vscode.Uri, specifier: string): Promise<ContextSnippet | undefined> {
    const file = await this.workspaceDocument(uri);
    if (!file || file.getText().length > maxTargetChars) return undefined;
    const text = exportedSignatures(await this.outline(file), file.getText().split('\n'), file.languageId);
    return text === '' ? undefined : { kind: 'import', uri: file.uri.toString(), firstLine: 0, name: specifier, text };
  }

  private async definitionLocation(document: vscode.TextDocument, target: NamedPosition): Promise<{ uri: vscode.Uri; position: vscode.Position } | undefined> {
    const found = await withTimeout(
      vscode.commands.executeCommand<(vscode.Location | vscode.LocationLink)[] | undefined>(
        'vscode.executeDefinitionProvider',
        document.uri,
        new vscode.Position(target.line, target.character),
      ),
    );
    const first = found?.[0];
    if (!first) return undefined;
    return 'targetUri' in first
      ? { uri: first.targetUri, position: (first.targetSelectionRange ?? first.targetRange).start }
      : { uri: first.uri, position: first.range.start };
  }

  /**
   * The target as a document when it is the user's own code: inside a workspace folder, not a
   * dependency (the model knows published libraries; it cannot know this project), not excluded.
   */
  private async workspaceDocument(uri: vscode.Uri): Promise<vscode.TextDocument | undefined> {
    if (!vscode.workspace.getWorkspaceFolder(uri) || uri.path.includes('/node_modules/')) return undefined;
    try {
      const document = await vscode.workspace.openTextDocument(uri);
      return this.isExcluded(document) ? undefined : document;
    } catch {
      // Binary or unreadable: no context from it.
      return undefined;
    }
  }

  private outline(document: vscode.TextDocument): Promise<SymbolOutline[]> {
    return this.outlines.get(`${document.uri.toString()}@${document.version}`, async () => {
      const symbols = await withTimeout(
        vscode.commands.executeCommand<(vscode.DocumentSymbol | vscode.SymbolInformation)[] | undefined>('vscode.executeDocumentSymbolProvider', document.uri),
      );
      return (symbols ?? []).map(toOutline);
    });
  }
}

function toOutline(symbol: vscode.DocumentSymbol | vscode.SymbolInformation): SymbolOutline {
  const range = 'range' in symbol ? symbol.range : symbol.location.range;
  const children = 'children' in symbol ? symbol.children.map(toOutline) : [];
  return {
    name: symbol.name,
    startLine: range.start.line,
    startCharacter: range.start.character,
    endLine: range.end.line,
    endCharacter: range.end.character,
    children,
  };
}

/** `promise`'s value, or undefined when it fails or takes longer than `lookupTimeoutMs`. */
function withTimeout<T>(promise: Thenable<T>): Promise<T | undefined> {
  return new Promise((resolve) => {
    const timer = setTimeout(() => resolve(undefined), lookupTimeoutMs);
    promise.then(
      (value) => {
        clearTimeout(timer);
        resolve(value);
      },
      () => {
        clearTimeout(timer);
        resolve(undefined);
      },
    );
  });
}

/**
 * Lookups by key, forgetting the oldest beyond `capacity`. Only answers `keep` approves stay: a
 * language server that is still starting answers "nothing", and that must not stick.
 */
class LookupCache<V> {
  private readonly entries = new Map<string, Promise<V>>();

  constructor(
    private readonly capacity: number,
    private readonly keep: (value: V) => boolean,
  ) {}

  get(key: string, compute: () => Promise<V>): Promise<V> {
    const cached = this.entries.get(key);
    if (cached) return cached;
    const value = compute();
    this.entries.set(key, value);
    if (this.entries.size > this.capacity) this.entries.delete(this.entries.keys().next().value as string);
    value.then(
      (settled) => {
        if (!this.keep(settled) && this.entries.get(key) === value) this.entries.delete(key);
      },
      () => this.entries.delete(key),
    );
    return value;
  }
}
