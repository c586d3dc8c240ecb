/** The chat header's one-line summary of the sidecar: which engine and model answer, or why none does. */
import type { SidecarState, SidecarStatus } from '../../server/protocol/contract';

const fallbackText: Record<SidecarState, string> = {
  starting: 'Starting…',
  ready: 'Ready',
  busy: 'Busy',
  'no-engine': 'No engine configured.',
  error: 'Sidecar error.',
};

export function describeStatus(status: SidecarStatus): string {
  const engine = status.engine && `${status.engine.kind} · ${status.engine.model}`;
  if (status.state === 'ready' || status.state === 'busy') {
    return engine || fallbackText[status.state];
  }
  const detail = status.message ?? fallbackText[status.state];
  return engine ? `${engine} — ${detail}` : detail;
}
