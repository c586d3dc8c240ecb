import assert from 'node:assert/strict';
import * as path from 'node:path';
import { describe, test } from 'node:test';
import {
  freshMemory,
  freshSession,
  isConfigured,
  isEmbeddedModel,
  memoryAfter,
  nextFirstRunStep,
  readMemory,
  type FirstRunMemory,
  type FirstRunSession,
  type FirstRunSituation,
  type FirstRunStep,
} from '../../../../extension/onboarding/firstRun';
import type { SidecarState } from '../../../../server/protocol/contract';

const unconfigured = (sidecar: SidecarState, embeddedInUse = sidecar === 'ready'): FirstRunSituation => ({ configured: false, sidecar, embeddedInUse });

/**
 * One session (window) the way onboarding.ts runs it: after each change of the situation, steps run until the
 * machine waits; a search ends as `probe` says, a notice as `notice` says. Returns the steps taken and the memory.
 */
function session(
  memory: FirstRunMemory,
  situations: FirstRunSituation[],
  outcomes: { probe?: 'done' | 'failed'; notice?: 'dismissed' | 'ignored' } = {},
): { steps: FirstRunStep[]; memory: FirstRunMemory } {
  const state: FirstRunSession = { ...freshSession };
  const steps: FirstRunStep[] = [];
  for (const situation of situations) {
    for (let guard = 0; guard < 10; guard++) {
      const step = nextFirstRunStep(memory, situation, state);
      if (step === 'wait') break;
      steps.push(step);
      if (step === 'probe-servers') {
        state.probeTried = true;
        memory = memoryAfter(memory, step, outcomes.probe ?? 'done');
      } else if (step === 'embedded-notice') {
        state.noticeShown = true;
        memory = memoryAfter(memory, step, outcomes.notice === 'dismissed' ? 'dismissed' : 'done');
      } else {
        memory = memoryAfter(memory, step);
      }
      assert.ok(guard < 9, 'the machine keeps stepping without waiting');
    }
  }
  return { steps, memory };
}

describe('first run', () => {
  test('a new user: the walkthrough opens at once, the search waits for the sidecar, then the embedded-model notice', () => {
    const first = session(freshMemory, [unconfigured('starting', false), unconfigured('ready')]);
    assert.deepEqual(first.steps, ['open-walkthrough', 'probe-servers', 'embedded-notice']);
    assert.deepEqual(first.memory, { walkthroughDone: true, serversProbed: true, embeddedNoticeDismissed: false });
  });

  test('the walkthrough and the search happen once; the notice comes back each session until "Don\'t Show Again"', () => {
    let memory = session(freshMemory, [unconfigured('starting', false), unconfigured('ready')]).memory;
    const second = session(memory, [unconfigured('starting', false), unconfigured('ready')], { notice: 'ignored' });
    assert.deepEqual(second.steps, ['embedded-notice']);
    const third = session(second.memory, [unconfigured('ready')], { notice: 'dismissed' });
    assert.deepEqual(third.steps, ['embedded-notice']);
    memory = third.memory;
    assert.equal(memory.embeddedNoticeDismissed, true);
    assert.deepEqual(session(memory, [unconfigured('starting', false), unconfigured('ready')]).steps, []);
  });

  test('the notice is shown once a session, however often the status changes', () => {
    const done = { walkthroughDone: true, serversProbed: true, embeddedNoticeDismissed: false };
    const flapping = session(done, [unconfigured('ready'), unconfigured('busy'), unconfigured('ready'), unconfigured('busy')]);
    assert.deepEqual(flapping.steps, ['embedded-notice']);
  });

  test('a user who configured an endpoint or a model folder gets neither the walkthrough nor the search, nor the notice', () => {
    const configured: FirstRunSituation = { configured: true, sidecar: 'ready', embeddedInUse: false };
    const result = session(freshMemory, [{ ...configured, sidecar: 'starting' }, configured]);
    assert.deepEqual(result.steps, ['skip-walkthrough', 'skip-probe']);
    assert.deepEqual(result.memory, { walkthroughDone: true, serversProbed: true, embeddedNoticeDismissed: false });
  });

  test('a configured user who switches to the embedded model (rook.engine local) is told about it', () => {
    const configuredLocal: FirstRunSituation = { configured: true, sidecar: 'ready', embeddedInUse: true };
    assert.deepEqual(session(freshMemory, [configuredLocal]).steps, ['skip-walkthrough', 'skip-probe', 'embedded-notice']);
  });

  test('configuring Rook while the sidecar still starts skips the search it would have made', () => {
    const result = session(freshMemory, [unconfigured('starting', false), { configured: true, sidecar: 'starting', embeddedInUse: false }]);
    assert.deepEqual(result.steps, ['open-walkthrough', 'skip-probe']);
  });

  test('a failed search is not retried in the same session, and is tried again in the next one', () => {
    const failed = session(freshMemory, [unconfigured('starting', false), unconfigured('ready'), unconfigured('busy')], { probe: 'failed' });
    assert.deepEqual(failed.steps, ['open-walkthrough', 'probe-servers', 'embedded-notice']);
    assert.equal(failed.memory.serversProbed, false);
    const next = session(failed.memory, [unconfigured('ready')]);
    assert.deepEqual(next.steps, ['probe-servers', 'embedded-notice']);
    assert.equal(next.memory.serversProbed, true);
  });

  test('the search runs in any running state (a no-engine or failing sidecar can still search), never while it starts', () => {
    const walked = { ...freshMemory, walkthroughDone: true };
    for (const sidecar of ['ready', 'busy', 'no-engine', 'error'] as const) {
      assert.equal(nextFirstRunStep(walked, unconfigured(sidecar, false), freshSession), 'probe-servers', sidecar);
    }
    assert.equal(nextFirstRunStep(walked, unconfigured('starting', false), freshSession), 'wait');
  });

  test('nothing starts while a step is running', () => {
    assert.equal(nextFirstRunStep(freshMemory, unconfigured('ready'), { ...freshSession, busy: true }), 'wait');
  });

  test('an offer of servers found counts as this session\'s notice: the embedded-model notice waits for the next session', () => {
    const memory = { walkthroughDone: true, serversProbed: true, embeddedNoticeDismissed: false };
    assert.equal(nextFirstRunStep(memory, unconfigured('ready'), { ...freshSession, probeTried: true, noticeShown: true }), 'wait');
  });

  test('the notice needs the embedded model answering: not while starting, nor when it failed to load', () => {
    const memory = { walkthroughDone: true, serversProbed: true, embeddedNoticeDismissed: false };
    for (const sidecar of ['starting', 'no-engine', 'error'] as const) {
      assert.equal(nextFirstRunStep(memory, { configured: false, sidecar, embeddedInUse: true }, freshSession), 'wait', sidecar);
    }
    assert.equal(nextFirstRunStep(memory, { configured: false, sidecar: 'ready', embeddedInUse: false }, freshSession), 'wait');
  });

  test('memory read back from globalState: only true counts as done', () => {
    assert.deepEqual(readMemory(undefined), freshMemory);
    assert.deepEqual(readMemory('garbage'), freshMemory);
    assert.deepEqual(readMemory({ walkthroughDone: 'yes', serversProbed: 1, embeddedNoticeDismissed: true }), { ...freshMemory, embeddedNoticeDismissed: true });
    assert.deepEqual(readMemory({ walkthroughDone: true, serversProbed: true, embeddedNoticeDismissed: false, extra: 1 }), {
      walkthroughDone: true,
      serversProbed: true,
      embeddedNoticeDismissed: false,
    });
  });
});

describe('what first run looks at', () => {
  test('configured: a non-blank endpoint or model folder in the user settings', () => {
    assert.equal(isConfigured({ endpoints: [], modelPath: '' }), false);
    assert.equal(isConfigured({ endpoints: ['  '], modelPath: ' ' }), false);
    assert.equal(isConfigured({ endpoints: ['http://127.0.0.1:8000/v1'], modelPath: '' }), true);
    assert.equal(isConfigured({ endpoints: [], modelPath: '/models/mixtral-rook' }), true);
  });

  test('the embedded model: the local engine running the folder shipped with the extension', () => {
    const dir = path.resolve('/ext/rook-dev.rook-0.1.0/models/rook-moe-mini');
    assert.equal(isEmbeddedModel({ kind: 'local', model: 'rook-moe-mini', location: dir }, dir), true);
    assert.equal(isEmbeddedModel({ kind: 'local', model: 'rook-moe-mini', location: `${dir}${path.sep}` }, dir), true);
    assert.equal(isEmbeddedModel({ kind: 'local', model: 'mixtral-rook', location: path.resolve('/models/mixtral-rook') }, dir), false);
    // A remote rook serve of the same model is a real server, not the demo in the sidecar.
    assert.equal(isEmbeddedModel({ kind: 'openai', model: 'rook-moe-mini', location: 'http://127.0.0.1:8000/v1' }, dir), false);
    assert.equal(isEmbeddedModel(undefined, dir), false);
  });

  test('paths compare without case on Windows and macOS, with case on Linux', () => {
    const dir = path.resolve('/ext/Rook/models/rook-moe-mini');
    const engine = { kind: 'local' as const, model: 'rook-moe-mini', location: path.resolve('/ext/rook/models/rook-moe-mini') };
    assert.equal(isEmbeddedModel(engine, dir, 'darwin'), true);
    assert.equal(isEmbeddedModel(engine, dir, 'win32'), true);
    assert.equal(isEmbeddedModel(engine, dir, 'linux'), false);
  });
});
