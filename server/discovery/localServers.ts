/**
 * Finds the model servers already running on this machine: Ollama, llama.cpp's server, LM Studio, vLLM and
 * `rook serve`, each on its default port, identified by its documented API. Only 127.0.0.1 is probed, and only
 * with GET /api/version, /api/tags, /v1/models, Ollama's POST /api/show, and (for a server with one model
 * loaded) the one-token FIM probe the OpenAI engine makes anyway.
 */
import type { DiscoveredServer } from '../protocol/contract';
import { OpenAIEngine } from '../engines/openai/openaiEngine';

/** The common servers' default ports. */
export const defaultDiscoveryPorts = [11434, 8080, 1234, 8000];
/** Every answer is small JSON; a larger one is not a model server's. */
const maxResponseBytes = 1 << 20;
/** Models listed per server, and characters of a name kept. */
const maxModels = 64;
const maxNameChars = 200;

export interface DiscoveryOptions {
  /** Per request, in ms. */
  timeoutMs: number;
}

/** The body of a 200 answer parsed as JSON, or undefined (other status, not JSON, too large, no answer). */
async function getJson(url: string, timeoutMs: number, body?: object): Promise<unknown> {
  try {
    const response = await fetch(url, {
      method: body ? 'POST' : 'GET',
      headers: body ? { 'content-type': 'application/json' } : undefined,
      body: body ? JSON.stringify(body) : undefined,
      signal: AbortSignal.timeout(timeoutMs),
      redirect: 'error',
    });
    if (response.status !== 200 || !response.body) return undefined;
    const reader = response.body.getReader();
    const chunks: Uint8Array[] = [];
    let size = 0;
    for (let read = await reader.read(); !read.done; read = await reader.read()) {
      size += read.value.length;
      if (size > maxResponseBytes) {
        await reader.cancel();
        return undefined;
      }
      chunks.push(read.value);
    }
    return JSON.parse(Buffer.concat(chunks).toString('utf8'));
  } catch {
    return undefined;
  }
}

const text = (value: unknown): string | undefined => (typeof value === 'string' && value.length > 0 ? value.slice(0, maxNameChars) : undefined);
const records = (value: unknown): Record<string, unknown>[] =>
  Array.isArray(value) ? value.filter((item): item is Record<string, unknown> => typeof item === 'object' && item !== null).slice(0, maxModels) : [];

/** Who serves an OpenAI-compatible `/v1/models`, by the `owned_by` each server documents for its models. */
export function serverNameFromOwner(ownedBy: string | undefined): string {
  switch (ownedBy) {
    case 'llamacpp': return 'llama.cpp server';
    case 'organization_owner': return 'LM Studio';
    case 'vllm': return 'vLLM';
    case 'sglang': return 'SGLang';
    case 'rook': return 'rook serve';
    default: return 'OpenAI-compatible server';
  }
}

/** Whether an Ollama model's prompt template takes a suffix (`{{ .Suffix }}`): Ollama then does fill-in-the-middle. */
export function ollamaTemplateFim(template: unknown): boolean {
  return typeof template === 'string' && /\{\{-?\s*(if\s+)?\.Suffix\b/.test(template);
}

async function probeOllama(origin: string, options: DiscoveryOptions): Promise<DiscoveredServer | undefined> {
  const version = text(((await getJson(`${origin}/api/version`, options.timeoutMs)) as { version?: unknown } | undefined)?.version);
  if (!version) return undefined;
  const tags = (await getJson(`${origin}/api/tags`, options.timeoutMs)) as { models?: unknown } | undefined;
  const names = records(tags?.models).map((model) => text(model.name) ?? text(model.model)).filter((name): name is string => name !== undefined);
  // /api/show reads the manifest without loading the model.
  const models = await Promise.all(
    names.map(async (id) => ({ id, fim: ollamaTemplateFim(((await getJson(`${origin}/api/show`, options.timeoutMs, { model: id })) as { template?: unknown } | undefined)?.template) })),
  );
  return { name: `Ollama ${version}`, baseUrl: `${origin}/v1`, models };
}

async function probeOpenAI(origin: string, options: DiscoveryOptions): Promise<DiscoveredServer | undefined> {
  const listing = (await getJson(`${origin}/v1/models`, options.timeoutMs)) as { data?: unknown } | undefined;
  if (!Array.isArray(listing?.data)) return undefined;
  const listed = records(listing.data).filter((model) => text(model.id) !== undefined);
  const baseUrl = `${origin}/v1`;
  const models: DiscoveredServer['models'] = listed.map((model) => ({ id: text(model.id)! }));
  // With one model loaded the FIM probe costs one token; with several it could make the server load one.
  if (models.length === 1) {
    const engine = new OpenAIEngine({ baseUrl, model: models[0].id, timeoutMs: options.timeoutMs, detectFim: true });
    models[0].fim = await engine.capabilities().then((capabilities) => capabilities.fim, () => undefined);
  }
  return { name: serverNameFromOwner(text(listed[0]?.owned_by)), baseUrl, models };
}

/** The servers answering on `ports` of 127.0.0.1, in the order of `ports`. */
export async function discoverLocalServers(ports: readonly number[] = defaultDiscoveryPorts, options: DiscoveryOptions = { timeoutMs: 1500 }): Promise<DiscoveredServer[]> {
  const found = await Promise.all(
    ports.map(async (port) => {
      const origin = `http://127.0.0.1:${port}`;
      return (await probeOllama(origin, options)) ?? (await probeOpenAI(origin, options));
    }),
  );
  return found.filter((server): server is DiscoveredServer => server !== undefined);
}
