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

  it('a crashed sidecar is restarted by the supervisor and serves again', async () => {
    const api = await rookApi();
    await api.waitForState('ready', 45_000);
    const crashedPid = api.sidecarPid();
    assert.ok(crashedPid, 'the sidecar has a process id');
    process.kill(crashedPid, 'SIGKILL');
    await waitUntil(() => api.sidecarStatus().state !== 'ready', 10_000, 'the status leaves ready after the crash');
    await api.waitForState('ready', 45_000);
    const restartedPid = api.sidecarPid();
    assert.ok(restartedPid && restartedPid !== crashedPid, `a new sidecar process runs (was ${crashedPid}, now ${restartedPid})`);

    scratch = await openScratchEditor('after-crash-target.ts', COMPLETION_PREFIX);
    const text = await acceptInlineCompletion(scratch.editor, 30_000);
    assert.equal(text, `${COMPLETION_PREFIX}${COMPLETION_CONTINUATION}`);
  });
});

async function waitUntil(condition: () => boolean, timeoutMs: number, what: string): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!condition()) {
    if (Date.now() > deadline) throw new Error(`timed out waiting until ${what}`);
    await new Promise((resolve) => setTimeout(resolve, 20));
  }
}
