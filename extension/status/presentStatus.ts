/** Pure mapping from sidecar status to what Rook's status-bar item shows. */
import type { IndexStatus, SidecarStatus } from '../../server/protocol/contract';

export interface StatusPresentation {
  text: string;
  tooltip: string;
  warning: boolean;
}

export function presentStatus(status: SidecarStatus): StatusPresentation {
  const shown = presentEngine(status);
  return status.index ? { ...shown, tooltip: `${shown.tooltip}\n${describeIndex(status.index)}` } : shown;
}

function presentEngine(status: SidecarStatus): StatusPresentation {
  const engine = status.engine ? `${status.engine.model || 'model'} @ ${status.engine.location}` : 'no engine';
  const latency = status.completionLatency?.count
    ? ` · p50 ${status.completionLatency.p50Ms} ms / p90 ${status.completionLatency.p90Ms} ms`
    : '';
  switch (status.state) {
    case 'starting':
      return { text: '$(loading~spin) Rook', tooltip: status.message ?? `Rook is starting (${engine})`, warning: false };
    case 'ready':
    case 'busy': {
      // While the workspace index is being built, that is what the item says; the engine is ready all the same.
      const text = status.index?.state === 'indexing' ? `$(sync~spin) Rook: indexing ${count(status.index.files)} files` : `$(sparkle) Rook${latency}`;
      return { text, tooltip: `Rook is ready: ${engine}${latency}`, warning: false };
    }
    case 'no-engine':
      return { text: '$(circle-slash) Rook', tooltip: status.message ?? 'No engine configured.', warning: true };
    case 'error':
      return { text: '$(warning) Rook', tooltip: status.message ?? 'Rook has a problem; see the log.', warning: true };
  }
}

const skipReasons: Record<keyof IndexStatus['skipped'], string> = {
  huge: 'over 256 KB',
  binary: 'binary',
  minified: 'minified',
  unreadable: 'unreadable',
  limit: "past the index's caps",
};

/** The workspace index in one line of the tooltip: what it holds, and what it left out and why. */
export function describeIndex(index: IndexStatus): string {
  if (index.state === 'off') return 'Workspace index: off (rook.index.enabled)';
  const held = `${count(index.files)} ${plural(index.files, 'file')}, ${count(index.chunks)} ${plural(index.chunks, 'chunk')}`;
  if (index.state === 'indexing') return `Workspace index: indexing, ${held} so far`;
  const skipped = (Object.keys(skipReasons) as (keyof IndexStatus['skipped'])[])
    .filter((reason) => (index.skipped[reason] ?? 0) > 0)
    .map((reason) => `${count(index.skipped[reason]!)} ${skipReasons[reason]}`);
  return `Workspace index: ${held}${skipped.length > 0 ? `; skipped ${skipped.join(', ')}` : ''}`;
}

/** Thousands separated, the same on every machine: `1,234`. */
function count(value: number): string {
  return value.toLocaleString('en-US');
}

function plural(value: number, noun: string): string {
  return value === 1 ? noun : `${noun}s`;
}
