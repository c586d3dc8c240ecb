/**
 * First run, as a small state machine (pure, so every path is tested without VS Code): what Rook does next for a
 * new user, from what it remembers across sessions (globalState) and what it sees now.
 *
 * In order: the walkthrough opens once, on the first start when nothing points Rook at a model; then, once the
 * sidecar runs, the model servers on this machine are looked for once and, if any answer, offered (the user
 * chooses and confirms before any setting changes); after that, while the embedded demo model is in use, a
 * notice says what it is and how to get a real model, once a session, until the user says not to show it again.
 * A user who already configured an endpoint or a model folder gets neither the walkthrough nor the search.
 */
import * as path from 'node:path';
import type { EngineInfo, SidecarState } from '../../server/protocol/contract';

/** What Rook remembers across sessions (globalState). */
export interface FirstRunMemory {
  /** The walkthrough was opened, or skipped because Rook was already configured. */
  walkthroughDone: boolean;
  /** The first-run search for model servers ran, or was skipped because Rook was already configured. */
  serversProbed: boolean;
  /** The user chose "Don't Show Again" on the embedded-model notice. */
  embeddedNoticeDismissed: boolean;
}

export const freshMemory: FirstRunMemory = { walkthroughDone: false, serversProbed: false, embeddedNoticeDismissed: false };

/** What globalState held, read defensively: anything unexpected counts as not done. */
export function readMemory(stored: unknown): FirstRunMemory {
  const value = typeof stored === 'object' && stored !== null ? (stored as Record<string, unknown>) : {};
  return {
    walkthroughDone: value.walkthroughDone === true,
    serversProbed: value.serversProbed === true,
    embeddedNoticeDismissed: value.embeddedNoticeDismissed === true,
  };
}

/** What Rook sees now. */
export interface FirstRunSituation {
  /** The user settings point Rook at a model: an endpoint or a model folder (see `isConfigured`). */
  configured: boolean;
  sidecar: SidecarState;
  /** The engine answering is the embedded demo model (see `isEmbeddedModel`). */
  embeddedInUse: boolean;
}

/** What happened in this session (window) so far. */
export interface FirstRunSession {
  /** A step is running (a search, an offer or a notice waiting for its answer). */
  busy: boolean;
  /** The search ran this session, whatever came of it: a failed one is not retried until the next session. */
  probeTried: boolean;
  /** The embedded-model notice, or an offer of servers found, was shown this session. */
  noticeShown: boolean;
}

export const freshSession: FirstRunSession = { busy: false, probeTried: false, noticeShown: false };

export type FirstRunStep =
  | 'open-walkthrough'
  | 'skip-walkthrough'
  | 'probe-servers'
  | 'skip-probe'
  | 'embedded-notice'
  /** Nothing to do until something changes (the sidecar's state, a setting). */
  | 'wait';

export function nextFirstRunStep(memory: FirstRunMemory, situation: FirstRunSituation, session: FirstRunSession): FirstRunStep {
  if (session.busy) return 'wait';
  if (!memory.walkthroughDone) return situation.configured ? 'skip-walkthrough' : 'open-walkthrough';
  if (!memory.serversProbed && !session.probeTried) {
    if (situation.configured) return 'skip-probe';
    // The search is a sidecar request: it waits for the sidecar to run.
    return situation.sidecar === 'starting' ? 'wait' : 'probe-servers';
  }
  const embeddedReady = situation.embeddedInUse && (situation.sidecar === 'ready' || situation.sidecar === 'busy');
  if (embeddedReady && !memory.embeddedNoticeDismissed && !session.noticeShown) return 'embedded-notice';
  return 'wait';
}

/** What is remembered after a step; `outcome` says how a search or a notice ended. */
export function memoryAfter(memory: FirstRunMemory, step: FirstRunStep, outcome?: 'done' | 'failed' | 'dismissed'): FirstRunMemory {
  switch (step) {
    case 'open-walkthrough':
    case 'skip-walkthrough':
      return { ...memory, walkthroughDone: true };
    case 'probe-servers':
      return outcome === 'failed' ? memory : { ...memory, serversProbed: true };
    case 'skip-probe':
      return { ...memory, serversProbed: true };
    case 'embedded-notice':
      return outcome === 'dismissed' ? { ...memory, embeddedNoticeDismissed: true } : memory;
    case 'wait':
      return memory;
  }
}

/** Whether the user settings point Rook at a model of their own: an endpoint, or a model folder. */
export function isConfigured(user: { endpoints: readonly string[]; modelPath: string }): boolean {
  return user.endpoints.some((endpoint) => endpoint.trim() !== '') || user.modelPath.trim() !== '';
}

/** Whether the engine answering is the embedded model, which the sidecar runs from `embeddedDir`. */
export function isEmbeddedModel(engine: EngineInfo | undefined, embeddedDir: string, platform: NodeJS.Platform = process.platform): boolean {
  if (engine?.kind !== 'local' || !engine.location) return false;
  const norm = (dir: string) => {
    const resolved = path.resolve(dir);
    return platform === 'win32' || platform === 'darwin' ? resolved.toLowerCase() : resolved;
  };
  return norm(engine.location) === norm(embeddedDir);
}
