/** Pure mapping from sidecar status to what Rook's status-bar item shows. */
import type { SidecarStatus } from '../../server/protocol/contract';

export interface StatusPresentation {
  text: string;
  tooltip: string;
  warning: boolean;
}

export function presentStatus(status: SidecarStatus): StatusPresentation {
  const engine = status.engine ? `${status.engine.model || 'model'} @ ${status.engine.location}` : 'no engine';
  const latency = status.completionLatency?.count
    ? ` · p50 ${status.completionLatency.p50Ms} ms / p90 ${status.completionLatency.p90Ms} ms`
    : '';
  switch (status.state) {
    case 'starting':
      return { text: '$(loading~spin) Rook', tooltip: status.message ?? `Rook is starting (${engine})`, warning: false };
    case 'ready':
    case 'busy':
      return { text: `$(sparkle) Rook${latency}`, tooltip: `Rook is ready: ${engine}${latency}`, warning: false };
    case 'no-engine':
      return { text: '$(circle-slash) Rook', tooltip: status.message ?? 'No engine configured.', warning: true };
    case 'error':
      return { text: '$(warning) Rook', tooltip: status.message ?? 'Rook has a problem; see the log.', warning: true };
  }
}
