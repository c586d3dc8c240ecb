/** Builds the engine for one-shot CLI commands from flags and environment. */
import { defaultSettings, type RookSettings } from '../protocol/contract';
import { remoteEngine } from '../engines/select';
import type { Engine } from '../engines/engine';

export interface EngineFlags {
  endpoint?: string[];
  model?: string;
}

export function engineFromFlags(flags: EngineFlags, env: NodeJS.ProcessEnv = process.env): Engine {
  const endpoints = flags.endpoint?.length ? flags.endpoint : env.ROOK_ENDPOINT ? [env.ROOK_ENDPOINT] : [];
  const settings: RookSettings = {
    ...defaultSettings,
    openai: { ...defaultSettings.openai, endpoints, model: flags.model ?? '', apiKey: env.ROOK_API_KEY },
  };
  if (endpoints.length === 0) throw new Error('No engine: pass --endpoint URL or set ROOK_ENDPOINT to an OpenAI-compatible server.');
  const selection = remoteEngine(settings, endpoints);
  if (!selection.engine) throw new Error(selection.problem);
  return selection.engine;
}
