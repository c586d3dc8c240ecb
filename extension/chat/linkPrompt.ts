/**
 * The question asked before a link from the chat opens. Links in the chat come from model output,
 * which is untrusted, and VS Code opens loopback and private addresses without asking, so a model
 * could get one click to drive a service on this machine or its network. Every link is confirmed in
 * a modal dialog showing the full URL, and one to this computer or the local network says so.
 * Pure (no `vscode`): what the dialog shows, and that nothing opens unconfirmed, are unit-tested.
 */
import { isWebLink } from './links';

/** Where a link leads: this computer (loopback), the local network (private, link-local, local names), or elsewhere. */
export type LinkScope = 'this computer' | 'local network' | 'internet';

export interface LinkPrompt {
  /** The URL that opens, as parsed: host in punycode, non-ASCII and spaces percent-encoded. */
  url: string;
  /** Host and port as shown in the question. */
  host: string;
  scope: LinkScope;
  /** The dialog's question. */
  message: string;
  /** The dialog's detail: the full URL. */
  detail: string;
}

function ipv4Scope(address: string): LinkScope | undefined {
  const octets = /^(\d+)\.(\d+)\.(\d+)\.(\d+)$/.exec(address)?.slice(1).map(Number);
  if (!octets) return undefined;
  const [a, b] = octets;
  // 0.0.0.0 reaches this machine on Linux and macOS.
  if (a === 127 || a === 0) return 'this computer';
  if (a === 10 || (a === 172 && b >= 16 && b <= 31) || (a === 192 && b === 168) || (a === 169 && b === 254) || (a === 100 && b >= 64 && b <= 127)) {
    return 'local network';
  }
  return 'internet';
}

function ipv6Scope(address: string): LinkScope {
  if (address === '::1' || address === '::') return 'this computer';
  // IPv4-mapped (::ffff:7f00:1, as URL writes ::ffff:127.0.0.1): the IPv4 address decides.
  const mapped = /^::ffff:([0-9a-f]{1,4}):([0-9a-f]{1,4})$/.exec(address);
  if (mapped) {
    const [high, low] = [parseInt(mapped[1], 16), parseInt(mapped[2], 16)];
    return ipv4Scope(`${high >> 8}.${high & 255}.${low >> 8}.${low & 255}`)!;
  }
  // fe80::/10 link-local, fc00::/7 unique local.
  if (/^fe[89ab][0-9a-f]:/.test(address) || /^f[cd][0-9a-f]{2}:/.test(address)) return 'local network';
  return 'internet';
}

/** The scope of a hostname as `URL` normalizes it (IPv4 in dotted decimal, IPv6 in brackets, names lower-case). */
export function hostScope(hostname: string): LinkScope {
  if (hostname.startsWith('[')) return ipv6Scope(hostname.slice(1, -1));
  const ipv4 = ipv4Scope(hostname);
  if (ipv4) return ipv4;
  const name = hostname.replace(/\.$/, '');
  if (name === 'localhost' || name.endsWith('.localhost')) return 'this computer';
  // A single label (`router`, `intranet`) resolves through the local search domain; these suffixes are local by convention.
  if (!name.includes('.') || /\.(local|lan|home|internal|intranet|corp|home\.arpa)$/.test(name)) return 'local network';
  return 'internet';
}

/** The confirmation to show before opening `href`, or undefined when it is not a web link (it is then never opened). */
export function linkPrompt(href: string): LinkPrompt | undefined {
  if (!isWebLink(href)) return undefined;
  const parsed = new URL(href);
  const url = parsed.href;
  const host = parsed.host;
  const scope = hostScope(parsed.hostname);
  const message =
    scope === 'internet'
      ? `Open ${host} in your browser? The link comes from a chat answer.`
      : `Open ${host}, on ${scope === 'this computer' ? 'this computer' : 'your local network'}? The link comes from a chat answer, and a page there can act on the services running ${scope === 'this computer' ? 'on your machine' : 'on your network'}. Open it only if you expected it.`;
  return { url, host, scope, message, detail: url };
}

/** What opening a chat link needs from VS Code, passed in so that the sequence is tested without it. */
export interface LinkOpener {
  /** Shows the modal question; true only when the user chose to open. */
  confirm(message: string, detail: string): Promise<boolean>;
  open(url: string): Promise<void>;
  warn(line: string): void;
}

/** Opens `href` from the chat only if it is a web link and the user confirms it; resolves whether it was opened. */
export async function openChatLink(href: string, opener: LinkOpener): Promise<boolean> {
  const prompt = linkPrompt(href);
  if (!prompt) {
    opener.warn(`Chat: refused to open a non-web link: ${JSON.stringify(href.slice(0, 200))}`);
    return false;
  }
  if (!(await opener.confirm(prompt.message, prompt.detail))) return false;
  try {
    await opener.open(prompt.url);
    return true;
  } catch (error) {
    opener.warn(`Chat: could not open ${prompt.host}: ${(error as Error).message}`);
    return false;
  }
}
