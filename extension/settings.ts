/**
 * Reads Rook's settings. Engine and endpoint settings are declared `machine`/`application` scope,
 * and on top of that only the user's global value (or the default) is ever read here, never a
 * workspace or folder value: a repository you open must not be able to send your code elsewhere.
 */
import * as vscode from 'vscode';
import { defaultSettings, type RookSettings } from '../server/protocol/contract';

/** The user-level value of a setting, ignoring workspace and folder overrides. */
export function userValue<T>(section: string, key: string, fallback: T): T {
  const inspected = vscode.workspace.getConfiguration(section).inspect<T>(key);
  return inspected?.globalValue ?? inspected?.defaultValue ?? fallback;
}

export function readSettings(apiKey: string | undefined): RookSettings {
  const d = defaultSettings;
  return {
    engine: userValue('rook', 'engine', d.engine),
    openai: {
      endpoints: userValue('rook', 'openai.endpoints', d.openai.endpoints),
      model: userValue('rook', 'openai.model', d.openai.model),
      requestTimeoutMs: userValue('rook', 'openai.requestTimeoutMs', d.openai.requestTimeoutMs),
      apiKey,
    },
    local: {
      modelPath: userValue('rook', 'local.modelPath', d.local.modelPath),
      executionProvider: userValue('rook', 'local.executionProvider', d.local.executionProvider),
      threads: userValue('rook', 'local.threads', d.local.threads),
    },
    completion: {
      enabled: userValue('rook', 'completion.enabled', d.completion.enabled),
      maxTokens: userValue('rook', 'completion.maxTokens', d.completion.maxTokens),
      temperature: userValue('rook', 'completion.temperature', d.completion.temperature),
      minConfidence: userValue('rook', 'completion.minConfidence', d.completion.minConfidence),
      excludeGlobs: userValue('rook', 'completion.excludeGlobs', d.completion.excludeGlobs),
    },
    index: { enabled: userValue('rook', 'index.enabled', d.index.enabled) },
  };
}

/** The SecretStorage key holding the bearer token for remote engines. */
export const apiKeySecret = 'rook.openai.apiKey';
