/**
 * A synthetic workspace of any number of files for the index benchmarks, made from Rook's own tracked sources so its
 * lines, lengths and vocabulary look like real code: copy k of file f renames about half of each long identifier (8+
 * characters, chosen by a hash) with a suffix of its own, so the vocabulary grows with the copies as a large
 * repository's does while common names stay common. Files go to `copy-k/<path>`.
 */
import { execFileSync } from 'node:child_process';
import * as fs from 'node:fs';
import * as path from 'node:path';

export const repoRoot = path.resolve(__dirname, '../../..');

function sources(): { path: string; text: string }[] {
  return execFileSync('git', ['ls-files'], { cwd: repoRoot, encoding: 'utf8' })
    .split('\n')
    .filter((file) => /\.(ts|js|mjs|py)$/.test(file) && !file.startsWith('models/'))
    .filter((file) => fs.existsSync(path.join(repoRoot, file)) && fs.statSync(path.join(repoRoot, file)).size <= 256 * 1024)
    .map((file) => ({ path: file, text: fs.readFileSync(path.join(repoRoot, file), 'utf8') }));
}

function hash(text: string): number {
  let value = 2166136261;
  for (let i = 0; i < text.length; i++) value = Math.imul(value ^ text.charCodeAt(i), 16777619);
  return value >>> 0;
}

/** The `count` files of the synthetic workspace, as paths and texts, in a fixed order. */
export function syntheticFiles(count: number): { path: string; text: string }[] {
  const base = sources();
  return Array.from({ length: count }, (_, i) => {
    const copy = Math.floor(i / base.length);
    const source = base[i % base.length];
    const text = copy === 0 ? source.text : source.text.replace(/[A-Za-z_$][\w$]{7,}/g, (name) => (hash(`${name}${copy}`) % 2 === 0 ? `${name}C${copy}` : name));
    return { path: `copy-${copy}/${source.path}`, text };
  });
}

/** Writes the synthetic workspace under `dir` (which it empties first). */
export function writeSyntheticWorkspace(dir: string, count: number): void {
  fs.rmSync(dir, { recursive: true, force: true });
  for (const file of syntheticFiles(count)) {
    fs.mkdirSync(path.dirname(path.join(dir, file.path)), { recursive: true });
    fs.writeFileSync(path.join(dir, file.path), file.text);
  }
}
