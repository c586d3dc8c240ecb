/**
 * Turns settings into the engine that serves requests, or an actionable reason why there is none.
 * `auto` uses configured remote endpoints, otherwise the local model: the user's converted model
 * folder when set, else the embedded model shipped with Rook.
 */
import * as fs from 'node:fs';
import type { RookSettings } from '../protocol/contract';
import { EngineError, type Engine } from './engine';
import { FailoverEngine } from './failover';
import { OpenAIEngine } from './openai/openaiEngine';

/** `broken` marks a configured engine that failed to load (an error), as opposed to none being configured. */
export type EngineSelection = { engine: Engine } | { engine?: undefined; problem: string; broken?: boolean };

export function remoteEngine(settings: RookSettings, endpoints: string[]): EngineSelection {
  try {
    const engines = endpoints.map(
      (baseUrl) =>
        new OpenAIEngine({
          baseUrl,
          model: settings.openai.model,
          apiKey: settings.openai.apiKey,
          timeoutMs: settings.openai.requestTimeoutMs,
          detectFim: true,
        }),
    );
    return { engine: engines.length === 1 ? engines[0] : new FailoverEngine(engines) };
  } catch (error) {
    if (error instanceof EngineError) return { problem: error.message };
    throw error;
  }
}

async function localEngine(settings: RookSettings, embeddedModelDir: string | undefined): Promise<EngineSelection> {
  const modelPath = settings.local.modelPath.trim() || embeddedModelDir;
  if (!modelPath) return { problem: 'No local model: set rook.local.modelPath or rook.openai.endpoints.' };
  if (!fs.existsSync(modelPath)) {
    return {
      problem: settings.local.modelPath.trim()
        ? `Model folder ${modelPath} does not exist. Fix rook.local.modelPath (a folder with config.json, model.onnx and tokenizer.json, made from a checkpoint by \`rook convert\`).`
        : `The embedded model is missing at ${modelPath}. Reinstall Rook (or \`git checkout models/\` in a source checkout), or set rook.openai.endpoints.`,
    };
  }
  try {
    // Loaded on first use: loading ONNX Runtime's native library would otherwise delay every sidecar start (bench/startup).
    const { LocalEngine } = await import('./local/localEngine.js');
    return {
      engine: await LocalEngine.load({ modelPath, executionProvider: settings.local.executionProvider, threads: settings.local.threads }),
    };
  } catch (error) {
    const message = (error as Error).message;
    const restore = settings.local.modelPath.trim()
      ? 'Restore the model folder, or point rook.local.modelPath at another one.'
      : 'Restore the embedded model (`git checkout -- models/rook-moe-mini` in a source checkout, or reinstall Rook), or set rook.openai.endpoints.';
    return { problem: `${message}. ${restore}`, broken: true };
  }
}

export async function selectEngine(settings: RookSettings, embeddedModelDir?: string): Promise<EngineSelection> {
  const endpoints = settings.openai.endpoints.map((e) => e.trim()).filter(Boolean);
  const wantsRemote = settings.engine === 'openai' || (settings.engine === 'auto' && endpoints.length > 0);
  if (!wantsRemote) return localEngine(settings, embeddedModelDir);
  if (endpoints.length === 0) {
    return { problem: 'Engine "openai" is selected but no endpoint is set. Add one to the user setting rook.openai.endpoints.' };
  }
  return remoteEngine(settings, endpoints);
}
