/**
 * What the first-run notices say and offer (pure): the embedded-model notice, and the offer of the model
 * servers the first-run search found.
 */
import type { DiscoveredServer } from '../../server/protocol/contract';

/**
 * The embedded-model notice's buttons: the quickest way to a real model, the walkthrough with the others (an
 * endpoint, converting a model, the settings), and not being told again. A toast shows three buttons in full.
 */
export const embeddedNoticeActions = {
  findServers: 'Find Model Servers',
  otherWays: 'Other Ways…',
  dontShowAgain: "Don't Show Again",
} as const;

export const embeddedNoticeText =
  "Rook is using its embedded model, a tiny demo: its suggestions are weak and mostly held back. For useful ones, use a real model: a server on this machine (Ollama, llama.cpp, LM Studio, vLLM), an OpenAI-compatible endpoint, or a model converted with 'rook convert'.";

export const serverOfferActions = { choose: 'Choose a Model…', notNow: 'Not Now' } as const;

/** "Ollama 0.6.0 (2 models) and rook serve (rook-moe-mini)": what the search found, in a sentence. */
export function foundServersSummary(servers: readonly DiscoveredServer[]): string {
  const parts = servers.map((server) => {
    const models = server.models.length === 1 ? server.models[0].id : `${server.models.length} models`;
    return `${server.name} (${models})`;
  });
  if (parts.length <= 1) return parts.join('');
  return `${parts.slice(0, -1).join(', ')} and ${parts[parts.length - 1]}`;
}

/** The first-run offer; undefined when no server serves a model (there is nothing to offer). */
export function serverOfferText(servers: readonly DiscoveredServer[]): string | undefined {
  const serving = servers.filter((server) => server.models.length > 0);
  if (serving.length === 0) return undefined;
  const found = foundServersSummary(serving);
  const models = serving.reduce((count, server) => count + server.models.length, 0);
  const which = models === 1 ? 'it' : serving.length === 1 ? 'one of its models' : 'one of their models';
  return `Rook found ${serving.length === 1 ? 'a model server' : 'model servers'} on this machine: ${found}. Use ${which} instead of Rook's small embedded demo model? Nothing changes until you choose and confirm.`;
}

/**
 * Why an endpoint typed into "Set Endpoint…" is refused, or undefined when it is accepted. Only the scheme and
 * the shape are checked here; the sidecar then probes the server and the status bar says what it found.
 */
export function endpointInputError(value: string): string | undefined {
  const text = value.trim();
  if (text === '') return 'Type the base URL of an OpenAI-compatible server, e.g. http://127.0.0.1:8000/v1';
  let url: URL;
  try {
    url = new URL(text);
  } catch {
    return `Not a URL: type it with its scheme, e.g. http://${text.replace(/^\/+/, '')}`;
  }
  if (url.protocol !== 'http:' && url.protocol !== 'https:') return `Use an http:// or https:// URL (not ${url.protocol}).`;
  if (url.username || url.password) return 'Leave the credentials out of the URL: Rook: Set API Key for Remote Engine keeps a key in VS Code\'s secret storage.';
  if (url.search || url.hash) return 'A base URL has no ?query or #fragment.';
  return undefined;
}

/** The endpoint as written to the settings: trimmed, without a trailing slash. */
export function normalizedEndpoint(value: string): string {
  return value.trim().replace(/\/+$/, '');
}

/** A gentle note (not a refusal) when the path does not end in the usual API prefix. */
export function endpointNote(value: string): string | undefined {
  try {
    const url = new URL(normalizedEndpoint(value));
    return /\/v\d+$/.test(url.pathname) ? undefined : 'Most servers take the API prefix in the URL (usually /v1).';
  } catch {
    return undefined;
  }
}
