/**
 * Whether `rook serve` may listen on an address. Loopback is always allowed; anything else carries
 * prompts (the user's code) over a network, so it needs a bearer token and TLS, either terminated
 * here (certificate files) or by a proxy the operator vouches for.
 */
import * as net from 'node:net';

export interface ExposureSettings {
  host: string;
  token?: string;
  tls: boolean;
  behindTlsProxy: boolean;
}

export function isLoopback(host: string): boolean {
  if (host === 'localhost') return true;
  if (net.isIPv4(host)) return host.startsWith('127.');
  return host === '::1' || host === '[::1]';
}

/** Returns why the settings are refused, or undefined when they are safe to start. */
export function exposureProblem(settings: ExposureSettings): string | undefined {
  if (isLoopback(settings.host)) return undefined;
  const missing: string[] = [];
  if (!settings.token) missing.push('a bearer token (--token, or better the ROOK_SERVE_TOKEN environment variable)');
  if (!settings.tls && !settings.behindTlsProxy) missing.push('TLS (--tls-cert and --tls-key, or --behind-tls-proxy when a TLS-terminating proxy is in front)');
  if (missing.length === 0) return undefined;
  return `refusing to listen on ${settings.host}, which is not a loopback address, without ${missing.join(' and ')}. Bind 127.0.0.1 (the default) for local use.`;
}
