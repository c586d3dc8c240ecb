/**
 * Turns settings into the engine that serves requests, or an actionable reason why there is none.
 */
import type { RookSettings } from '../protocol/contract';
import { EngineError, type Engine } from './engine';
import { FailoverEngine } from './failover';
import { OpenAIEngine } from './openai/openaiEngine';

export type EngineSelection = { engine: Engine } | { engine?: undefined; problem: string };

export function selectEngine(settings: RookSettings): EngineSelection {
  const endpoints = settings.openai.endpoints.map((e) => e.trim()).filter(Boolean);
  const wantsRemote = settings.engine === 'openai' || (settings.engine === 'auto' && endpoints.length > 0);
  if (wantsRemote) {
    if (endpoints.length === 0) {
      return { problem: 'Engine "openai" is selected but no endpoint is set. Add one to the user setting rook.openai.endpoints.' };
    }
    try {
      const engines = endpoints.map(
        (baseUrl) =>
          new OpenAIEngine({
            baseUrl,
            model: settings.openai.model,
            apiKey: settings.openai.apiKey,
            timeoutMs: settings.openai.requestTimeoutMs,
          }),
      );
      return { engine: engines.length === 1 ? engines[0] : new FailoverEngine(engines) };
    } catch (error) {
      if (error instanceof EngineError) return { problem: error.message };
      throw error;
    }
  }
  return {
    problem:
      'The local ONNX engine is not available in this build yet. Set rook.openai.endpoints (user settings) to an OpenAI-compatible server such as vLLM, SGLang, llama.cpp server or Ollama.',
  };
}
