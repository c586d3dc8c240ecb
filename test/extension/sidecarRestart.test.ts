import * as assert from 'node:assert/strict';
import * as vscode from 'vscode';
import { COMPLETION_CONTINUATION, COMPLETION_PREFIX } from '../e2e/scriptedEngine';
import type { SidecarState } from '../../server/protocol/contract';
import { rookApi } from './rook';
import { acceptInlineCompletion, openScratchEditor, type ScratchEditor } from './scratchEditor';

describe('Rook sidecar supervision', () => {
  let scratch: ScratchEditor | undefined;

  afterEach(async () => {
    await scratch?.dispose();
    scratch = undefined;
  });

  it('rook.restartSidecar takes the sidecar down and brings it back to ready, serving again', async () => {
    const api = await rookApi();
    await api.waitForState('ready', 45_000);

    // The supervisor reports the restart; sampling the status while the command runs sees it leave `ready`.
    const seen = new Set<SidecarState>();
    const sampler = setInterval(() => seen.add(api.sidecarStatus().state), 5);
    try {
      await vscode.commands.executeCommand('rook.restartSidecar');
      const status = await api.waitForState('ready', 45_000);
      assert.equal(status.engine?.kind, 'openai');
    } finally {
      clearInterval(sampler);
    }
    assert.ok([...seen].some((state) => state !== 'ready'), `states seen during restart: ${[...seen].join(', ')}`);

    scratch = await openScratchEditor('after-restart-target.ts', COMPLETION_PREFIX);
    const text = await acceptInlineCompletion(scratch.editor, 30_000);
    assert.equal(text, `${COMPLETION_PREFIX}${COMPLETION_CONTINUATION}`);
  });
});
