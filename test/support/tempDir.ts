/**
 * Temporary folders for tests, removed when the test process exits: `node --test` runs each file in a process of
 * its own, so a file's folders go when it ends, and a full run no longer leaves thousands behind (they once filled
 * the disk of a machine that ran the suite a few dozen times).
 */
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';

const created: string[] = [];

process.on('exit', () => {
  for (const dir of created) fs.rmSync(dir, { recursive: true, force: true });
});

/** A new empty folder named `rook-LABEL-XXXXXX` in the system's temp folder, removed at exit. */
export function tempDir(label: string): string {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), `rook-${label}-`));
  created.push(dir);
  return dir;
}
