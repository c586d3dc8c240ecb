import * as assert from 'node:assert/strict';
import * as vscode from 'vscode';
import { metrics } from './report';
import { activationTiming, rookApi, rookExtension } from './rook';

describe('Rook activation', () => {
  it('activates and exports its sidecar API', async () => {
    const extension = rookExtension();
    const api = await rookApi();
    const timing = activationTiming();
    if (timing) {
      metrics.codeLoadMs = Math.round(timing.codeLoadMs);
      metrics.activationMs = Math.round(timing.activateMs);
    }

    assert.equal(extension.isActive, true);
    assert.equal(typeof api.sidecarStatus, 'function');
    assert.equal(typeof api.waitForState, 'function');
  });

  it('registers every command its package.json contributes', async () => {
    await rookApi();
    const commands = new Set(await vscode.commands.getCommands(true));
    const contributed: { command: string }[] = rookExtension().packageJSON.contributes.commands;
    assert.ok(contributed.length > 20, `package.json lists ${contributed.length} commands`);
    for (const { command } of contributed) {
      assert.ok(commands.has(command), `command ${command} is not registered`);
    }
  });

  it('brings the sidecar to ready on the configured OpenAI-compatible engine', async () => {
    const api = await rookApi();
    const status = await api.waitForState('ready', 45_000);
    assert.equal(status.state, 'ready');
    assert.equal(status.engine?.kind, 'openai', `engine: ${JSON.stringify(status.engine)}`);
    assert.notEqual(api.sidecarStatus().state, 'error');
  });
});
