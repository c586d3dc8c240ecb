import * as assert from 'node:assert/strict';
import * as vscode from 'vscode';
import { rookApi, rookExtension } from './rook';

/** Settings a workspace must not be able to set: they decide where the user's code is sent. */
const MACHINE_SETTINGS = ['rook.engine', 'rook.openai.endpoints'];

/** The workspace's own `.vscode/settings.json`, as a cloned repository could ship it. */
async function workspaceSettingsFile(): Promise<Record<string, unknown>> {
  const folder = vscode.workspace.workspaceFolders?.[0];
  assert.ok(folder, 'the extension-host suites need a workspace folder');
  const bytes = await vscode.workspace.fs.readFile(vscode.Uri.joinPath(folder.uri, '.vscode', 'settings.json'));
  return JSON.parse(new TextDecoder().decode(bytes));
}

const withoutTrailingSlash = (url: string) => url.replace(/\/+$/, '');

describe('Rook settings scope', () => {
  it('declares the engine and its endpoints as machine-scoped settings', () => {
    const properties = rookExtension().packageJSON.contributes?.configuration?.properties ?? {};
    for (const key of MACHINE_SETTINGS) {
      assert.equal(properties[key]?.scope, 'machine', `${key} scope`);
    }
  });

  it('ignores the engine and endpoints that the workspace settings file sets', async () => {
    const planted = await workspaceSettingsFile();
    const plantedEndpoints = planted['rook.openai.endpoints'] as string[] | undefined;
    assert.ok(plantedEndpoints?.length, 'the workspace fixture should set rook.openai.endpoints');

    const config = vscode.workspace.getConfiguration('rook');
    const endpoints = config.get<string[]>('openai.endpoints') ?? [];
    assert.ok(endpoints.length > 0, 'the user settings should configure an endpoint');
    assert.ok(!endpoints.some((url) => plantedEndpoints.includes(url)), `effective endpoints: ${endpoints}`);
    assert.notEqual(config.get('engine'), planted['rook.engine']);

    const status = await (await rookApi()).waitForState('ready', 45_000);
    assert.equal(status.engine?.kind, 'openai');
    assert.ok(
      endpoints.map(withoutTrailingSlash).includes(withoutTrailingSlash(status.engine?.location ?? '')),
      `the sidecar uses ${status.engine?.location}, not one of the user's endpoints ${endpoints}`,
    );
  });

  it('refuses, or does not apply, rook.openai.endpoints written at workspace level', async () => {
    const config = vscode.workspace.getConfiguration('rook');
    const before = config.get<string[]>('openai.endpoints');
    // Writing the value the workspace file already holds keeps the fixture unchanged whatever happens.
    const planted = (await workspaceSettingsFile())['rook.openai.endpoints'];
    let refused = false;
    try {
      await config.update('openai.endpoints', planted, vscode.ConfigurationTarget.Workspace);
    } catch {
      refused = true;
    }
    if (!refused) {
      // Give a configuration listener time to act on the write before looking at the sidecar.
      await new Promise((resolve) => setTimeout(resolve, 1_000));
      assert.deepEqual(vscode.workspace.getConfiguration('rook').get('openai.endpoints'), before);
    }
    const status = (await rookApi()).sidecarStatus();
    assert.ok(
      (before ?? []).map(withoutTrailingSlash).includes(withoutTrailingSlash(status.engine?.location ?? '')),
      `after the workspace write the sidecar uses ${status.engine?.location}`,
    );
  });
});
