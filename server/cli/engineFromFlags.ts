/**
 * The engine for one-shot CLI commands: the OpenAI-compatible endpoints given by flag or
 * environment, otherwise the local model (`--model-dir`, default the embedded model), so that
 * `rook complete` and `rook chat` work offline like the editor does.
 */
import { defaultSettings, type RookSettings } from '../protocol/contract';
import { selectEngine } from '../engines/select';
import type { Engine } from '../engines/engine';
import { defaultModelCacheDir } from '../model/ggufCache';
import { embeddedModelDir } from './embeddedModel';
import { cacheDirHelp, convertForCli } from './ggufModel';

/** The engine flags `rook complete` and `rook chat` share (node:util parseArgs options). */
export const engineOptions = {
  endpoint: { type: 'string', multiple: true },
  model: { type: 'string' },
  'model-dir': { type: 'string' },
  'cache-dir': { type: 'string' },
  'max-tokens': { type: 'string' },
} as const;

/** The help lines of `engineOptions` but `--max-tokens` (whose default differs per command). */
export const engineFlagsHelp = `  --endpoint URL          an OpenAI-compatible endpoint such as http://127.0.0.1:8000/v1; repeat it for
                          fallbacks, tried in order (default: ROOK_ENDPOINT)
  --model NAME            the endpoint's model (default: the first that its /v1/models lists)
  --model-dir DIR|FILE    without an endpoint: the local model folder (default: the embedded model), or a
                          GGUF file (llama.cpp's, Ollama's blobs, LM Studio's), converted once into the cache
${cacheDirHelp}
  -h, --help              this help

Without an endpoint the local model runs, offline. Environment: ROOK_ENDPOINT (default endpoint),
ROOK_API_KEY (bearer token for the endpoint, kept out of shell history).`;

export interface EngineFlags {
  endpoint?: string[];
  /** Remote model name. */
  model?: string;
  /** Local model folder, or a GGUF file. */
  'model-dir'?: string;
  /** Where GGUF files are converted to. */
  'cache-dir'?: string;
}

/** A GGUF model's conversion for the CLI: the per-user cache, a bar on stderr, Ctrl+C to cancel. */
const cliGguf = (cacheDir: string | undefined, env: NodeJS.ProcessEnv) => ({ prepareGguf: (file: string) => convertForCli(file, cacheDir ?? defaultModelCacheDir(env)) });

export async function engineFromFlags(flags: EngineFlags, env: NodeJS.ProcessEnv = process.env): Promise<Engine> {
  const endpoints = flags.endpoint?.length ? flags.endpoint : env.ROOK_ENDPOINT ? [env.ROOK_ENDPOINT] : [];
  const settings: RookSettings = {
    ...defaultSettings,
    engine: endpoints.length > 0 ? 'openai' : 'local',
    openai: { ...defaultSettings.openai, endpoints, model: flags.model ?? '', apiKey: env.ROOK_API_KEY },
    local: { ...defaultSettings.local, modelPath: flags['model-dir'] ?? '' },
  };
  const selection = await selectEngine(settings, embeddedModelDir, cliGguf(flags['cache-dir'], env));
  if (!selection.engine) throw new Error(selection.problem);
  return selection.engine;
}

/** One candidate model of `rook eval --repo`: an OpenAI-compatible endpoint (its first listed model) or a local model folder. */
export type CandidateSource = { endpoint: string } | { modelDir: string };

/** The engine for a candidate, as `engineFromFlags` would make it (the key from ROOK_API_KEY, never from a flag). */
export async function candidateEngine(source: CandidateSource, threads = 0, env: NodeJS.ProcessEnv = process.env, cacheDir?: string): Promise<Engine> {
  const remote = 'endpoint' in source;
  const settings: RookSettings = {
    ...defaultSettings,
    engine: remote ? 'openai' : 'local',
    openai: { ...defaultSettings.openai, endpoints: remote ? [source.endpoint] : [], apiKey: env.ROOK_API_KEY },
    local: { ...defaultSettings.local, modelPath: remote ? '' : source.modelDir, threads },
  };
  const selection = await selectEngine(settings, embeddedModelDir, cliGguf(cacheDir, env));
  if (!selection.engine) throw new Error(selection.problem);
  return selection.engine;
}
