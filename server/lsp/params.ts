/**
 * Checks the params of the requests and notifications the sidecar serves before anything uses them. The sidecar is
 * an LSP server any client can talk to, so a wrong type or an absurd value gets an InvalidParams error that names
 * the field (or, for a notification, which has no answer, a log line), never a crash, a poisoned document or an
 * engine run to the end of its context.
 */
import * as path from 'node:path';
import { CancellationToken, ResponseError, type InlineCompletionParams, type Position } from 'vscode-languageserver';
import { chatRoles, maxRequestChars, RookErrorCodes, type ChatMessage, type ChatParams, type ChatRole, type CompareModelsParams, type DiscoverServersParams, type EditParams, type EditTask, type TestFramework } from '../protocol/contract';

/** The most tokens a `rook/chat` may ask for. */
export const maxChatTokens = 32_768;
/** The most messages in one `rook/chat`. */
export const maxChatMessages = 1_000;
/** LSP's `uinteger`. */
const maxUinteger = 2 ** 31 - 1;

const editTasks = { rewrite: true, tests: true, commitMessage: true } satisfies Record<EditTask, true>;
const testFrameworks = { jest: true, vitest: true, mocha: true, 'node:test': true, pytest: true } satisfies Record<TestFramework, true>;

/** A short, safe rendering of a value for an error message. */
export function shown(value: unknown): string {
  if (value === undefined) return 'nothing';
  if (typeof value === 'number' && !Number.isFinite(value)) return String(value);
  let text: string;
  try {
    text = JSON.stringify(value) ?? typeof value;
  } catch {
    text = typeof value;
  }
  return text.length > 40 ? `${text.slice(0, 40)}…` : text;
}

/** A params problem, as the ResponseError a request answers with. */
export function invalidParams(method: string, problem: string): ResponseError<void> {
  return new ResponseError(RookErrorCodes.InvalidParams, `${method}: ${problem}`);
}

const isObject = (value: unknown): value is Record<string, unknown> => typeof value === 'object' && value !== null && !Array.isArray(value);
const oneOf = (choices: object) => Object.keys(choices).join(', ');

/** Checks one field at a time; each check throws the InvalidParams error that names the field. */
class Fields {
  constructor(
    private readonly method: string,
    private readonly params: Record<string, unknown>,
  ) {}

  fail(field: string, problem: string, value: unknown): never {
    throw invalidParams(this.method, `${field} ${problem}; got ${shown(value)}.`);
  }

  string(field: string): string {
    const value = this.params[field];
    if (typeof value !== 'string') this.fail(field, 'must be a string', value);
    return value;
  }

  optionalInteger(field: string, min: number, max: number): number | undefined {
    const value = this.params[field];
    if (value === undefined) return undefined;
    if (typeof value !== 'number' || !Number.isInteger(value) || value < min || value > max) this.fail(field, `must be a whole number from ${min} to ${max}`, value);
    return value;
  }

  optionalNumber(field: string, min: number, max: number): number | undefined {
    const value = this.params[field];
    if (value === undefined) return undefined;
    if (typeof value !== 'number' || !Number.isFinite(value) || value < min || value > max) this.fail(field, `must be a number from ${min} to ${max}`, value);
    return value;
  }

  optionalChoice<T extends string>(field: string, choices: Record<T, true>): T | undefined {
    const value = this.params[field];
    if (value === undefined) return undefined;
    if (typeof value !== 'string' || !Object.hasOwn(choices, value)) this.fail(field, `must be one of ${oneOf(choices)}`, value);
    return value as T;
  }

  /** `partialResultToken` and `workDoneToken`: LSP progress tokens, an integer or a string. */
  progressTokens(): void {
    for (const field of ['partialResultToken', 'workDoneToken']) {
      const value = this.params[field];
      if (value !== undefined && typeof value !== 'string' && !(typeof value === 'number' && Number.isInteger(value))) {
        this.fail(field, 'must be a string or an integer (a progress token)', value);
      }
    }
  }
}

/**
 * A request handler for params by name (an object), as every request the sidecar serves takes. JSON-RPC spreads
 * params sent as a list into the handler's arguments, and absent params leave out the first, so the cancellation
 * token would turn up in the wrong place; those get InvalidParams here instead.
 */
export function byName<R>(method: string, handler: (params: unknown, token: CancellationToken) => R): (...args: unknown[]) => R {
  return (...args) => {
    const token = args.at(-1);
    if (args.length !== 2 || !CancellationToken.is(token)) {
      throw invalidParams(method, args.length < 2 ? 'params must be an object; got nothing.' : 'params must be an object (by name), not a list.');
    }
    return handler(args[0], token);
  };
}

function paramsObject(method: string, raw: unknown): Record<string, unknown> {
  if (!isObject(raw)) throw invalidParams(method, `params must be an object; got ${shown(raw)}.`);
  return raw;
}

/** Ports `rook/discoverServers` may probe in one request. */
export const maxDiscoveryPorts = 16;

/** `rook/discoverServers`: optional `ports`, up to 16 whole numbers from 1 to 65535. */
export function parseDiscoverServersParams(raw: unknown): DiscoverServersParams {
  const method = 'rook/discoverServers';
  const params = paramsObject(method, raw);
  const ports = params.ports;
  if (ports === undefined) return {};
  if (!Array.isArray(ports) || ports.length === 0 || ports.length > maxDiscoveryPorts || !ports.every((port) => Number.isInteger(port) && port >= 1 && port <= 65535)) {
    new Fields(method, params).fail('ports', `must be a list of 1 to ${maxDiscoveryPorts} port numbers (1 to 65535)`, ports);
  }
  return { ports: ports as number[] };
}

/** Bounds of `rook/compareModels`'s params: the most cases, and globs (each within `maxGlobChars`). */
export const maxCompareCases = 1000;
export const maxExcludeGlobs = 200;
const maxGlobChars = 1000;
const maxPathChars = 4096;

/** `rook/compareModels`: an absolute folder path, optional excludeGlobs (strings), cases (1-1000) and seed. */
export function parseCompareModelsParams(raw: unknown): CompareModelsParams {
  const method = 'rook/compareModels';
  const params = paramsObject(method, raw);
  const fields = new Fields(method, params);
  const root = fields.string('root');
  if (root.length === 0 || root.length > maxPathChars || !path.isAbsolute(root)) fields.fail('root', `must be an absolute folder path of at most ${maxPathChars} characters`, root);
  const globs = params.excludeGlobs;
  if (globs !== undefined && !(Array.isArray(globs) && globs.length <= maxExcludeGlobs && globs.every((glob) => typeof glob === 'string' && glob.length > 0 && glob.length <= maxGlobChars))) {
    fields.fail('excludeGlobs', `must be a list of at most ${maxExcludeGlobs} globs (non-empty strings of at most ${maxGlobChars} characters)`, globs);
  }
  fields.progressTokens();
  return {
    ...(params as Partial<CompareModelsParams>),
    root,
    excludeGlobs: globs as string[] | undefined,
    cases: fields.optionalInteger('cases', 1, maxCompareCases),
    seed: fields.optionalInteger('seed', 0, maxUinteger),
  };
}

/** `rook/chat`: messages (1 to 1000, roles from the contract, string contents within `maxRequestChars`), maxTokens, temperature. */
export function parseChatParams(raw: unknown): ChatParams {
  const method = 'rook/chat';
  const params = paramsObject(method, raw);
  const fields: Fields = new Fields(method, params);
  const messages = params.messages;
  if (!Array.isArray(messages) || messages.length === 0 || messages.length > maxChatMessages) {
    fields.fail('messages', `must be a list of 1 to ${maxChatMessages} { role, content } messages`, messages);
  }
  let chars = 0;
  const parsed: ChatMessage[] = messages.map((message: unknown, index) => {
    const field = `messages[${index}]`;
    if (!isObject(message)) fields.fail(field, 'must be a { role, content } object', message);
    const role = message.role;
    if (typeof role !== 'string' || !Object.hasOwn(chatRoles, role)) fields.fail(`${field}.role`, `must be one of ${oneOf(chatRoles)}`, role);
    const content = message.content;
    if (typeof content !== 'string') fields.fail(`${field}.content`, 'must be a string', content);
    chars += content.length;
    if (chars > maxRequestChars) throw invalidParams(method, `messages must hold at most ${maxRequestChars} characters of content in all; got more.`);
    return { role: role as ChatRole, content };
  });
  fields.progressTokens();
  return {
    ...(params as Partial<ChatParams>),
    messages: parsed,
    maxTokens: fields.optionalInteger('maxTokens', 1, maxChatTokens),
    temperature: fields.optionalNumber('temperature', 0, 2),
  };
}

/** `rook/edit`: uri, languageId, original and instruction strings (within `maxRequestChars`), task, testFramework. */
export function parseEditParams(raw: unknown): EditParams {
  const method = 'rook/edit';
  const params = paramsObject(method, raw);
  const fields: Fields = new Fields(method, params);
  const uri = fields.string('uri');
  const languageId = fields.string('languageId');
  const original = fields.string('original');
  const instruction = fields.string('instruction');
  if (original.length + instruction.length > maxRequestChars) {
    throw invalidParams(method, `original and instruction must hold at most ${maxRequestChars} characters together; got ${original.length + instruction.length}.`);
  }
  const task = fields.optionalChoice('task', editTasks);
  const testFramework = fields.optionalChoice('testFramework', testFrameworks);
  fields.progressTokens();
  return { ...(params as Partial<EditParams>), uri, languageId, original, instruction, task, testFramework };
}

/** An LSP position: two whole numbers, 0 or more (not yet checked against any document). */
function positionProblem(value: unknown): string | undefined {
  if (!isObject(value)) return `must be a { line, character } object; got ${shown(value)}`;
  for (const key of ['line', 'character'] as const) {
    const number = value[key];
    if (typeof number !== 'number' || !Number.isInteger(number) || number < 0 || number > maxUinteger) return `.${key} must be a whole number, 0 or more; got ${shown(number)}`;
  }
  return undefined;
}

const describePositionProblem = (field: string, problem: string) => (problem.startsWith('.') ? `${field}${problem}` : `${field} ${problem}`);

/** `textDocument/inlineCompletion`: a document uri, a position, and (if given) the context of its trigger. */
export function parseInlineCompletionParams(raw: unknown): InlineCompletionParams {
  const method = 'textDocument/inlineCompletion';
  const params = paramsObject(method, raw);
  if (!isObject(params.textDocument) || typeof params.textDocument.uri !== 'string') {
    throw invalidParams(method, `textDocument must be { uri: string }; got ${shown(params.textDocument)}.`);
  }
  const problem = positionProblem(params.position);
  if (problem) throw invalidParams(method, `${describePositionProblem('position', problem)}.`);
  const context = params.context;
  if (context !== undefined && !(isObject(context) && (context.triggerKind === 1 || context.triggerKind === 2))) {
    throw invalidParams(method, `context must be { triggerKind: 1 (invoked) or 2 (automatic) }; got ${shown(context)}.`);
  }
  new Fields(method, params).progressTokens();
  return params as unknown as InlineCompletionParams;
}

/** Whether `position` is in a document of `lineCount` lines whose line `position.line` is `lineLength` long. */
export function positionWithin(position: Position, lineCount: number, lineLength: (line: number) => number): boolean {
  return position.line < lineCount && position.character <= lineLength(position.line);
}

/**
 * What is wrong with a text-document notification's params (`textDocument/did*`, `willSave*`), or undefined.
 * They have no answer, so the caller logs this and leaves its documents as they were.
 */
export function textDocumentProblem(method: string, raw: unknown): string | undefined {
  if (!isObject(raw)) return `params must be an object; got ${shown(raw)}`;
  const document = raw.textDocument;
  if (!isObject(document)) return `textDocument must be an object; got ${shown(document)}`;
  if (typeof document.uri !== 'string') return `textDocument.uri must be a string; got ${shown(document.uri)}`;
  if (method === 'textDocument/didOpen') {
    if (typeof document.languageId !== 'string') return `textDocument.languageId must be a string; got ${shown(document.languageId)}`;
    if (!Number.isInteger(document.version)) return `textDocument.version must be a whole number; got ${shown(document.version)}`;
    if (typeof document.text !== 'string') return `textDocument.text must be a string; got ${shown(document.text)}`;
  }
  if (method === 'textDocument/didChange') {
    if (!Number.isInteger(document.version)) return `textDocument.version must be a whole number; got ${shown(document.version)}`;
    const changes = raw.contentChanges;
    if (!Array.isArray(changes)) return `contentChanges must be a list; got ${shown(changes)}`;
    for (const [index, change] of changes.entries()) {
      const field = `contentChanges[${index}]`;
      if (!isObject(change)) return `${field} must be an object; got ${shown(change)}`;
      if (typeof change.text !== 'string') return `${field}.text must be a string; got ${shown(change.text)}`;
      if (change.range === undefined) continue;
      if (!isObject(change.range)) return `${field}.range must be { start, end }; got ${shown(change.range)}`;
      for (const end of ['start', 'end'] as const) {
        const problem = positionProblem(change.range[end]);
        if (problem) return describePositionProblem(`${field}.range.${end}`, problem);
      }
      const { start, end } = change.range as unknown as { start: Position; end: Position };
      if (start.line > end.line || (start.line === end.line && start.character > end.character)) return `${field}.range ends before it starts`;
    }
  }
  if (method === 'textDocument/didSave' && raw.text !== undefined && typeof raw.text !== 'string') return `text must be a string; got ${shown(raw.text)}`;
  return undefined;
}

const traceValues = ['off', 'messages', 'verbose'];

/**
 * What is wrong with the params of a message vscode-languageserver handles itself, before any handler of the
 * sidecar's sees it (so it would read `null.processId`), or undefined; other messages pass. `rook lsp` answers such a
 * request with InvalidParams and logs such a notification, without handing either on (see server/cli/lsp.ts).
 */
export function libraryParamsProblem(method: string, params: unknown): string | undefined {
  switch (method) {
    case 'initialize':
      if (!isObject(params)) return `params must be an object; got ${shown(params)}`;
      if (!isObject(params.capabilities)) return `capabilities must be an object; got ${shown(params.capabilities)}`;
      if (params.processId != null && !(Number.isInteger(params.processId) && (params.processId as number) > 0 && (params.processId as number) <= maxUinteger)) {
        return `processId must be a process id or null; got ${shown(params.processId)}`;
      }
      if (params.trace !== undefined && !traceValues.includes(params.trace as string)) return `trace must be one of ${traceValues.join(', ')}; got ${shown(params.trace)}`;
      return undefined;
    case '$/setTrace':
      if (!isObject(params) || !traceValues.includes(params.value as string)) return `params must be { value: ${traceValues.join(' | ')} }; got ${shown(params)}`;
      return undefined;
    case 'window/workDoneProgress/cancel':
      if (!isObject(params) || !(typeof params.token === 'string' || Number.isInteger(params.token))) return `params must be { token: string or integer }; got ${shown(params)}`;
      return undefined;
    default:
      return undefined;
  }
}
