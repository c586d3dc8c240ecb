/**
 * Validates settings that arrive over the wire. The extension sends well-formed settings, but the
 * sidecar is an LSP server any client can talk to, so bad values get a clear error, not a crash.
 */
import { defaultSettings, type EngineChoice, type ExecutionProvider, type RookSettings } from '../protocol/contract';

export type ParsedSettings = { ok: true; settings: RookSettings } | { ok: false; problem: string };

const engines: readonly EngineChoice[] = ['auto', 'openai', 'local'];
const providers: readonly ExecutionProvider[] = ['auto', 'cpu', 'cuda', 'webgpu'];

export function parseSettings(raw: unknown): ParsedSettings {
  if (raw === undefined || raw === null) return { ok: true, settings: defaultSettings };
  if (typeof raw !== 'object') return { ok: false, problem: 'settings must be an object' };
  const input = raw as Partial<RookSettings>;
  const openai = { ...defaultSettings.openai, ...(input.openai ?? {}) };
  const local = { ...defaultSettings.local, ...(input.local ?? {}) };
  const completion = { ...defaultSettings.completion, ...(input.completion ?? {}) };
  const index = { ...defaultSettings.index, ...(input.index ?? {}) };
  const engine = input.engine ?? defaultSettings.engine;
  if (!engines.includes(engine)) return { ok: false, problem: `rook.engine must be one of ${engines.join(', ')}; got "${engine}".` };
  if (!Array.isArray(openai.endpoints) || openai.endpoints.some((e) => typeof e !== 'string')) {
    return { ok: false, problem: 'rook.openai.endpoints must be a list of URLs.' };
  }
  if (typeof openai.model !== 'string') return { ok: false, problem: 'rook.openai.model must be a string.' };
  if (!(openai.requestTimeoutMs >= 1000)) return { ok: false, problem: 'rook.openai.requestTimeoutMs must be at least 1000.' };
  if (!providers.includes(local.executionProvider)) {
    return { ok: false, problem: `rook.local.executionProvider must be one of ${providers.join(', ')}.` };
  }
  if (!(Number.isInteger(local.threads) && local.threads >= 0)) {
    return { ok: false, problem: 'rook.local.threads must be a whole number, 0 or more (0 picks for you).' };
  }
  if (!(completion.maxTokens >= 1 && completion.maxTokens <= 1024)) {
    return { ok: false, problem: 'rook.completion.maxTokens must be between 1 and 1024.' };
  }
  if (!(completion.temperature >= 0 && completion.temperature <= 2)) {
    return { ok: false, problem: 'rook.completion.temperature must be between 0 and 2.' };
  }
  if (!(completion.minConfidence >= 0 && completion.minConfidence <= 1)) {
    return { ok: false, problem: 'rook.completion.minConfidence must be between 0 and 1.' };
  }
  if (!Array.isArray(completion.excludeGlobs) || completion.excludeGlobs.some((glob) => typeof glob !== 'string')) {
    return { ok: false, problem: 'rook.completion.excludeGlobs must be a list of globs.' };
  }
  if (typeof index.enabled !== 'boolean') return { ok: false, problem: 'rook.index.enabled must be true or false.' };
  return { ok: true, settings: { engine, openai, local, completion, index } };
}
