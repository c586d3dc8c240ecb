/** The extension under test as the suites see it: its id, its exported API, and VS Code's record of its activation. */
import * as assert from 'node:assert/strict';
import * as vscode from 'vscode';
import type { RookApi } from '../../extension/extension';

export const EXTENSION_ID = 'rook-dev.rook';

export function rookExtension(): vscode.Extension<RookApi> {
  const extension = vscode.extensions.getExtension<RookApi>(EXTENSION_ID);
  assert.ok(extension, `${EXTENSION_ID} is not installed in this VS Code`);
  return extension;
}

export async function rookApi(): Promise<RookApi> {
  const api = await rookExtension().activate();
  assert.ok(api, `${EXTENSION_ID} exports no API from activate()`);
  return api;
}

interface PerformanceMark {
  name: string;
  startTime: number;
}

export interface ActivationTiming {
  /** Loading the bundled code (`require` of the main module). */
  codeLoadMs: number;
  /** Rook's `activate()`, until its returned promise settled. */
  activateMs: number;
}

/**
 * How long VS Code spent loading and activating Rook, from the extension host's own performance marks
 * (`code/extHost/{will,did}{LoadExtensionCode,ActivateExtension}/<id>`); undefined where they are missing.
 */
export function activationTiming(): ActivationTiming | undefined {
  const registry = (globalThis as { MonacoPerformanceMarks?: { getMarks(): PerformanceMark[] } }).MonacoPerformanceMarks;
  const marks = registry?.getMarks() ?? [];
  const at = (event: string) => marks.find((m) => m.name === `code/extHost/${event}/${EXTENSION_ID}`)?.startTime;
  const [willLoad, didLoad, willActivate, didActivate] = [
    at('willLoadExtensionCode'),
    at('didLoadExtensionCode'),
    at('willActivateExtension'),
    at('didActivateExtension'),
  ];
  if (willLoad === undefined || didLoad === undefined || willActivate === undefined || didActivate === undefined) {
    return undefined;
  }
  return { codeLoadMs: didLoad - willLoad, activateMs: didActivate - willActivate };
}
