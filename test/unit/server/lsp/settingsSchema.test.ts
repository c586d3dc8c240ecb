/**
 * `package.json`'s `contributes.configuration` is the settings schema users see; the contract's defaults and the
 * sidecar's validation must agree with it, setting by setting.
 */
import assert from 'node:assert/strict';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { test } from 'node:test';
import { parseSettings } from '../../../../server/lsp/settings';
import { defaultSettings, type RookSettings } from '../../../../server/protocol/contract';

interface SchemaEntry {
  default: unknown;
  minimum?: number;
  maximum?: number;
  enum?: unknown[];
}

const packageJson = JSON.parse(fs.readFileSync(path.resolve(__dirname, '..', '..', '..', '..', '..', 'package.json'), 'utf8'));
const schema = packageJson.contributes.configuration.properties as Record<string, SchemaEntry>;

/** `rook.<section>.<key>` for every setting in the contract (the API key lives in SecretStorage, not settings). */
function contractKeys(settings: RookSettings): Map<string, unknown> {
  const keys = new Map<string, unknown>();
  for (const [section, value] of Object.entries(settings)) {
    if (value !== null && typeof value === 'object' && !Array.isArray(value)) {
      for (const [key, inner] of Object.entries(value)) if (key !== 'apiKey') keys.set(`rook.${section}.${key}`, inner);
    } else keys.set(`rook.${section}`, value);
  }
  return keys;
}

/** The settings object with one contract setting replaced. */
function withSetting(key: string, value: unknown): unknown {
  const [, section, field] = key.split('.');
  const settings = structuredClone(defaultSettings) as unknown as Record<string, unknown>;
  if (field === undefined) settings[section] = value;
  else (settings[section] as Record<string, unknown>)[field] = value;
  return settings;
}

test('settings schema: every contract setting is in package.json with the same default', () => {
  for (const [key, value] of contractKeys(defaultSettings)) {
    assert.ok(schema[key], `package.json has no ${key}`);
    assert.deepEqual(schema[key].default, value, `${key}: package.json default differs from the contract's`);
  }
});

test('settings schema: the sidecar accepts the bounds and choices package.json allows and refuses what it does not', () => {
  for (const key of contractKeys(defaultSettings).keys()) {
    const entry = schema[key];
    for (const bound of [entry.minimum, entry.maximum]) {
      if (bound !== undefined) assert.equal(parseSettings(withSetting(key, bound)).ok, true, `${key} = ${bound} refused`);
    }
    if (entry.minimum !== undefined) assert.equal(parseSettings(withSetting(key, entry.minimum - 0.5)).ok, false, `${key} below its minimum accepted`);
    if (entry.maximum !== undefined) assert.equal(parseSettings(withSetting(key, entry.maximum + 0.5)).ok, false, `${key} above its maximum accepted`);
    for (const choice of entry.enum ?? []) assert.equal(parseSettings(withSetting(key, choice)).ok, true, `${key} = ${String(choice)} refused`);
    if (entry.enum) assert.equal(parseSettings(withSetting(key, 'not-a-choice')).ok, false, `${key} accepted a value outside its enum`);
  }
});
