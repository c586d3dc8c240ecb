/**
 * Turns settings into the engine that serves requests, or an actionable reason why there is none.
 * `auto` uses configured remote endpoints, otherwise the local model: the user's converted model
 * folder (or a GGUF file, through the caller's conversion cache) when set, else the embedded model shipped with Rook.
 */
import * as fs from 'node:fs';
import { isGgufFile } from '../model/ggufCache';
import type { RookSettings } from '../protocol/contract';
import { EngineError, type Engine } from './engine';
import { FailoverEngine } from './failover';
import { OpenAIEngine } from './openai/openaiEngine';

/** `broken` marks a configured engine that failed to load (an error), as opposed to none being configured. */
export type EngineSelection = { engine: Engine } | { engine?: undefined; problem: string; broken?: boolean };

export interface SelectOptions {
  /**
   * The model folder for a GGUF file in `rook.local.modelPath`: its cached conversion, made now if need be (the
   * sidecar reports progress and takes a cancel; the CLI draws a bar). Rejects with an `AbortError` when cancelled.
   * Without it a GGUF file is refused with the command that converts it.
   */
  prepareGguf?: (file: string) => Promise<string>;
}

/** What to do about a GGUF that did not convert: the converter's message named the file and the problem. */
const ggufAdvice =
  'Rook runs GGUFs of the Qwen3-MoE, Qwen2-MoE, OLMoE, Granite MoE, gpt-oss, Grok and Mixtral families (F32, F16, BF16, Q8_0, Q4_0, Q4_K, Q5_K, Q6_K or MXFP4): download the file again if it is damaged, or point rook.local.modelPath at another model';

/** The model folder for a configured path: itself, or a GGUF file's conversion; or why there is none. */
async function modelFolder(modelPath: string, options: SelectOptions): Promise<{ dir: string } | { problem: string; broken?: boolean }> {
  if (!isGgufFile(modelPath)) return { dir: modelPath };
  if (!options.prepareGguf) return { problem: `${modelPath} is a GGUF file: convert it with \`rook convert ${modelPath} OUT\` and set rook.local.modelPath to OUT.` };
  try {
    return { dir: await options.prepareGguf(modelPath) };
  } catch (error) {
    if ((error as Error).name === 'AbortError' || (error as { cancelled?: boolean }).cancelled) {
      return {
        problem: `Converting ${modelPath} was cancelled; nothing of it was kept. Rook converts it again when it next loads this model (in VS Code: "Rook: Restart Sidecar"; in a terminal: run the command again), or set rook.local.modelPath to another model.`,
      };
    }
    return { problem: `${(error as Error).message}. ${ggufAdvice}.`, broken: true };
  }
}

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

async function localEngine(settings: RookSettings, embeddedModelDir: string | undefined, options: SelectOptions): Promise<EngineSelection> {
  const configuredPath = settings.local.modelPath.trim() || embeddedModelDir;
  if (!configuredPath) return { problem: 'No local model: set rook.local.modelPath or rook.openai.endpoints.' };
  if (!fs.existsSync(configuredPath)) {
    return {
      problem: settings.local.modelPath.trim()
        ? `Model folder ${configuredPath} does not exist. Fix rook.local.modelPath (a folder with config.json, model.onnx and tokenizer.json, made from a checkpoint by \`rook convert\`, or a .gguf file).`
        : `The embedded model is missing at ${configuredPath}. Reinstall Rook (or \`git checkout models/\` in a source checkout), or set rook.openai.endpoints.`,
    };
  }
  const folder = await modelFolder(configuredPath, options);
  if (!('dir' in folder)) return folder;
  const modelPath = folder.dir;
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

export async function selectEngine(settings: RookSettings, embeddedModelDir?: string, options: SelectOptions = {}): Promise<EngineSelection> {
  const endpoints = settings.openai.endpoints.map((e) => e.trim()).filter(Boolean);
  const wantsRemote = settings.engine === 'openai' || (settings.engine === 'auto' && endpoints.length > 0);
  if (!wantsRemote) return localEngine(settings, embeddedModelDir, options);
  if (endpoints.length === 0) {
    return { problem: 'Engine "openai" is selected but no endpoint is set. Add one to the user setting rook.openai.endpoints.' };
  }
  return remoteEngine(settings, endpoints);
}
