/**
 * The workspace index's progress as the real sidecar reports it over LSP: `rook/statusChanged` goes out when the
 * index starts indexing a temporary workspace and again when it is ready, with its files and chunks; while it indexes,
 * new counts come at most once a second (no notification per file).
 */
import { after, describe, test } from 'node:test';
import * as assert from 'node:assert/strict';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { statusNotification, type IndexStatus, type SidecarStatus } from '../../server/protocol/contract';
import { startOpenAIServer, type OpenAIServer } from '../support/openaiServer';
import { settingsFor, startSidecar, type Sidecar } from './sidecarProcess';

const files = 400;

describe('workspace index status in the sidecar (rook lsp --stdio)', () => {
  let server: OpenAIServer | undefined;
  let sidecar: Sidecar | undefined;
  const root = fs.mkdtempSync(path.join(os.tmpdir(), 'rook-index-status-'));
  const storage = fs.mkdtempSync(path.join(os.tmpdir(), 'rook-index-status-store-'));

  after(async () => {
    await sidecar?.stop();
    await server?.close();
    fs.rmSync(root, { recursive: true, force: true });
    fs.rmSync(storage, { recursive: true, force: true });
  });

  test('moves from indexing to ready, reported as it changes and at most once a second between', async () => {
    for (let i = 0; i < files; i++) {
      const folder = path.join(root, `pkg${i % 20}`);
      fs.mkdirSync(folder, { recursive: true });
      const body = Array.from({ length: 40 }, (_, line) => `export const value${i}x${line} = computeThing${i}(${line});`).join('\n');
      fs.writeFileSync(path.join(folder, `module${i}.ts`), `${body}\n`);
    }
    server = await startOpenAIServer({ reply: () => '' });
    const started = performance.now();
    sidecar = await startSidecar({ workspaceFolder: root, indexStoragePath: storage });
    const seen: { at: number; index: IndexStatus }[] = [];
    sidecar.connection.onNotification(statusNotification, (status: SidecarStatus) => {
      if (status.index) seen.push({ at: performance.now(), index: status.index });
    });
    assert.equal((await sidecar.configure(settingsFor([server.baseUrl]))).state, 'ready');

    for (let waited = 0; !seen.some(({ index }) => index.state === 'ready' && index.files === files); waited += 50) {
      if (waited > 60_000) throw new Error(`no ready status with ${files} files came: ${JSON.stringify(seen.map(({ index }) => index))}`);
      await new Promise((resolve) => setTimeout(resolve, 50));
    }
    const readyAt = seen.findIndex(({ index }) => index.state === 'ready' && index.files === files);
    const indexing = seen.slice(0, readyAt).filter(({ index }) => index.state === 'indexing');
    assert.ok(indexing.length > 0, `an indexing status came before ready: ${JSON.stringify(seen.map(({ index }) => index.state))}`);
    const ready = seen[readyAt].index;
    assert.ok(ready.chunks >= files, `${ready.chunks} chunks`);
    assert.deepEqual(ready.skipped, {});

    // Counts while indexing only grow, and come no more often than once a second (besides the changes of state and the
    // engine's own status changes, which carry the index too).
    for (let i = 1; i < indexing.length; i++) assert.ok(indexing[i].index.files >= indexing[i - 1].index.files);
    const seconds = (seen[readyAt].at - started) / 1000;
    assert.ok(indexing.length <= Math.ceil(seconds) + 4, `${indexing.length} indexing notifications in ${seconds.toFixed(1)} s`);
  });
});
