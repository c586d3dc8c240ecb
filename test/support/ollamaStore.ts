/**
 * An Ollama model store as `ollama pull` leaves it (its `manifest.go`): Docker distribution v2 manifests under
 * `manifests/<host>/<namespace>/<model>/<tag>`, each layer a blob named `blobs/sha256-<hex>`. Tests write stores in
 * this layout so that Rook's reading is checked against Ollama's, not against itself.
 */
import { createHash } from 'node:crypto';
import * as fs from 'node:fs';
import * as path from 'node:path';

export const sha256 = (bytes: Buffer | string) => createHash('sha256').update(bytes).digest('hex');

/** Writes a blob under Ollama's name for it and returns its digest as manifests spell it. */
export function ollamaBlob(root: string, bytes: Buffer | string): { digest: string; size: number } {
  const hex = sha256(bytes);
  fs.mkdirSync(path.join(root, 'blobs'), { recursive: true });
  fs.writeFileSync(path.join(root, 'blobs', `sha256-${hex}`), bytes);
  return { digest: `sha256:${hex}`, size: Buffer.byteLength(bytes) };
}

/** A model as `ollama pull` leaves it: the manifest (Docker distribution v2 JSON) and its layers' blobs. */
export function ollamaModel(root: string, host: string, namespace: string, model: string, tag: string, gguf: Buffer, template?: string): string {
  const modelLayer = ollamaBlob(root, gguf);
  const layers = [{ mediaType: 'application/vnd.ollama.image.model', ...modelLayer }];
  if (template !== undefined) layers.push({ mediaType: 'application/vnd.ollama.image.template', ...ollamaBlob(root, template) });
  layers.push({ mediaType: 'application/vnd.ollama.image.license', ...ollamaBlob(root, 'Apache License 2.0') });
  const config = ollamaBlob(root, JSON.stringify({ model_format: 'gguf', model_family: 'qwen3moe', file_type: 'Q4_K_M' }));
  const manifest = { schemaVersion: 2, mediaType: 'application/vnd.docker.distribution.manifest.v2+json', config: { mediaType: 'application/vnd.docker.container.image.v1+json', ...config }, layers };
  const dir = path.join(root, 'manifests', host, namespace, model);
  fs.mkdirSync(dir, { recursive: true });
  fs.writeFileSync(path.join(dir, tag), JSON.stringify(manifest));
  return path.join(root, 'blobs', `sha256-${sha256(gguf)}`);
}
