/**
 * GGUF models already on this machine in other programs' stores, for the engine picker: Ollama's local store
 * (`$OLLAMA_MODELS`, else `~/.ollama/models`, and the Linux service's `/usr/share/ollama/.ollama/models`): manifests
 * at `manifests/<registry host>/<namespace>/<model>/<tag>` whose `application/vnd.ollama.image.model` layer names the
 * GGUF blob at `blobs/sha256-<hex>`; and LM Studio's models folder (`~/.lmstudio/models`, older
 * `~/.cache/lm-studio/models`): `<publisher>/<repo>/<file>.gguf`. Each is read as its program writes it and nothing
 * more: every walk has a fixed depth and a cap on entries, manifests and templates a cap on bytes, and of each GGUF
 * only the start of the header (its architecture) is read.
 */
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { readGgufArchitecture, type ArchitectureRead } from '../model/gguf/architecture';
import { unreadableTokenizer } from '../model/gguf/import';
import { ggufArchitectures } from '../model/gguf/names';
import type { DiscoveredModelFile } from '../protocol/contract';
import { ollamaTemplateFim } from './localServers';

export const storeLimits = {
  /** Directory entries looked at per store, all levels together. */
  entries: 5000,
  /** Models listed per store. */
  models: 256,
  /** A manifest is a few hundred bytes of JSON. */
  manifestBytes: 64 * 1024,
  /** A prompt template is a few KiB. */
  templateBytes: 64 * 1024,
} as const;

const ollamaLayer = { model: 'application/vnd.ollama.image.model', template: 'application/vnd.ollama.image.template' } as const;
/** Ollama's default registry and namespace, which its model names leave out (`qwen3:8b`, not `registry.ollama.ai/library/qwen3:8b`). */
const ollamaRegistry = 'registry.ollama.ai';
const ollamaLibrary = 'library';
/** A digest as Ollama writes it; anything else is not followed (it becomes a path). */
const sha256Digest = /^sha256:([0-9a-f]{64})$/;
/** A model split into several files (`…-00001-of-00003.gguf`): Rook reads one-file GGUFs. */
const splitGguf = /-\d{5}-of-\d{5}\.gguf$/i;

export interface StoreRoots {
  ollama: string[];
  lmStudio: string[];
}

/** Where the stores are on this machine, per each program's documented defaults. */
export function modelStoreRoots(env: NodeJS.ProcessEnv = process.env, home = os.homedir(), platform = process.platform): StoreRoots {
  const ollamaModels = env.OLLAMA_MODELS?.trim();
  return {
    ollama: ollamaModels ? [ollamaModels] : [path.join(home, '.ollama', 'models'), ...(platform === 'linux' ? ['/usr/share/ollama/.ollama/models'] : [])],
    lmStudio: [path.join(home, '.lmstudio', 'models'), path.join(home, '.cache', 'lm-studio', 'models')],
  };
}

/** Ollama's name for the manifest at `<host>/<namespace>/<model>/<tag>`. */
export function ollamaModelName(host: string, namespace: string, model: string, tag: string): string {
  if (host === ollamaRegistry) return namespace === ollamaLibrary ? `${model}:${tag}` : `${namespace}/${model}:${tag}`;
  return `${host}/${namespace}/${model}:${tag}`;
}

/** Whether Rook converts and runs a GGUF of this architecture; if not, why, in the user's terms. */
export function runnableArchitecture(read: ArchitectureRead): { runnable: boolean; problem?: string } {
  if ('problem' in read) return { runnable: false, problem: read.problem };
  if (!ggufArchitectures.has(read.architecture)) {
    return { runnable: false, problem: `architecture "${read.architecture}" is not one Rook runs (it runs ${[...ggufArchitectures.keys()].join(', ')})` };
  }
  if (read.architecture === 'llama' && !(read.expertCount !== undefined && read.expertCount > 1)) {
    return { runnable: false, problem: 'a dense llama model: Rook runs llama-architecture models with experts (Mixtral-style) only' };
  }
  const tokenizerProblem = read.tokenizer && unreadableTokenizer(read.tokenizer.model, read.tokenizer.pre);
  if (tokenizerProblem) return { runnable: false, problem: tokenizerProblem };
  return { runnable: true };
}

/** A bounded walk's budget of directory entries, shared by every level of one store. */
class Budget {
  constructor(private left: number) {}
  async list(dir: string): Promise<string[]> {
    if (this.left <= 0) return [];
    let names: string[];
    try {
      names = await fs.promises.readdir(dir);
    } catch {
      return [];
    }
    const taken = names.filter((name) => !name.startsWith('.')).sort().slice(0, this.left);
    this.left -= taken.length;
    return taken;
  }
}

async function statOf(file: string): Promise<fs.Stats | undefined> {
  try {
    return await fs.promises.stat(file);
  } catch {
    return undefined;
  }
}

/** The first `maxBytes` of `file` as text, or undefined when it is larger (or unreadable). */
async function smallText(file: string, maxBytes: number): Promise<string | undefined> {
  const stat = await statOf(file);
  if (!stat?.isFile() || stat.size > maxBytes) return undefined;
  try {
    return await fs.promises.readFile(file, 'utf8');
  } catch {
    return undefined;
  }
}

async function describe(source: DiscoveredModelFile['source'], name: string, file: string, sizeBytes: number, extra: Partial<DiscoveredModelFile> = {}): Promise<DiscoveredModelFile> {
  const read = await readGgufArchitecture(file);
  const verdict = runnableArchitecture(read);
  return { source, name, file, sizeBytes, architecture: 'architecture' in read ? read.architecture : undefined, ...verdict, ...extra };
}

/** The layer of `mediaType` in a parsed manifest: its blob's path, if the digest is one Ollama writes. */
function layerBlob(manifest: unknown, mediaType: string, blobs: string): string | undefined {
  const layers = (manifest as { layers?: unknown } | null)?.layers;
  if (!Array.isArray(layers)) return undefined;
  const layer = layers.find((item) => typeof item === 'object' && item !== null && (item as { mediaType?: unknown }).mediaType === mediaType) as { digest?: unknown } | undefined;
  const hex = typeof layer?.digest === 'string' ? sha256Digest.exec(layer.digest)?.[1] : undefined;
  return hex ? path.join(blobs, `sha256-${hex}`) : undefined;
}

/** The models of one Ollama store (`root` holds `manifests/` and `blobs/`). */
export async function listOllamaModels(root: string): Promise<DiscoveredModelFile[]> {
  const manifests = path.join(root, 'manifests');
  const blobs = path.join(root, 'blobs');
  const budget = new Budget(storeLimits.entries);
  const found: DiscoveredModelFile[] = [];
  for (const host of await budget.list(manifests)) {
    for (const namespace of await budget.list(path.join(manifests, host))) {
      for (const model of await budget.list(path.join(manifests, host, namespace))) {
        for (const tag of await budget.list(path.join(manifests, host, namespace, model))) {
          if (found.length >= storeLimits.models) return found;
          const text = await smallText(path.join(manifests, host, namespace, model, tag), storeLimits.manifestBytes);
          let manifest: unknown;
          try {
            manifest = text === undefined ? undefined : JSON.parse(text);
          } catch {
            continue;
          }
          if ((manifest as { schemaVersion?: unknown } | undefined)?.schemaVersion !== 2) continue;
          const blob = layerBlob(manifest, ollamaLayer.model, blobs);
          const stat = blob === undefined ? undefined : await statOf(blob);
          if (blob === undefined || !stat?.isFile()) continue;
          const templateBlob = layerBlob(manifest, ollamaLayer.template, blobs);
          const template = templateBlob === undefined ? undefined : await smallText(templateBlob, storeLimits.templateBytes);
          found.push(await describe('Ollama', ollamaModelName(host, namespace, model, tag), blob, stat.size, { fim: ollamaTemplateFim(template) }));
        }
      }
    }
  }
  return found;
}

/** The GGUFs of one LM Studio models folder: `<publisher>/<repo>/<file>.gguf`. */
export async function listLmStudioModels(root: string): Promise<DiscoveredModelFile[]> {
  const budget = new Budget(storeLimits.entries);
  const found: DiscoveredModelFile[] = [];
  for (const publisher of await budget.list(root)) {
    for (const repo of await budget.list(path.join(root, publisher))) {
      for (const name of await budget.list(path.join(root, publisher, repo))) {
        // Vision projectors (`mmproj-…`) sit beside the model and are not models themselves.
        if (!name.toLowerCase().endsWith('.gguf') || name.toLowerCase().startsWith('mmproj')) continue;
        if (found.length >= storeLimits.models) return found;
        const file = path.join(root, publisher, repo, name);
        const stat = await statOf(file);
        if (!stat?.isFile()) continue;
        const label = `${publisher}/${repo}/${name}`;
        if (splitGguf.test(name)) {
          found.push({ source: 'LM Studio', name: label, file, sizeBytes: stat.size, runnable: false, problem: 'one part of a model split into several files; Rook reads a GGUF in one file (join the parts with llama.cpp\'s `llama-gguf-split --merge`)' });
        } else found.push(await describe('LM Studio', label, file, stat.size));
      }
    }
  }
  return found;
}

/** Every store's models, runnable ones first; a file reachable from two stores is listed once. */
export async function discoverModelFiles(roots: StoreRoots = modelStoreRoots()): Promise<DiscoveredModelFile[]> {
  const lists = await Promise.all([...roots.ollama.map(listOllamaModels), ...roots.lmStudio.map(listLmStudioModels)]);
  const seen = new Set<string>();
  const unique = lists.flat().filter((model) => !seen.has(model.file) && seen.add(model.file));
  return unique.sort((a, b) => Number(b.runnable) - Number(a.runnable));
}
