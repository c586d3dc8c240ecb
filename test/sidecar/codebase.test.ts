/**
 * The workspace index in the real sidecar over LSP: a completion that uses a name defined in a file nobody opened
 * gets a prompt with that file's chunk; a file written later and reported by `workspace/didChangeWatchedFiles` is
 * found; `rook/searchCodebase` narrows to a folder; the index survives a restart (loaded, not rebuilt); and
 * `rook.index.enabled: false` turns it off.
 */
import { after, before, describe, test } from 'node:test';
import * as assert from 'node:assert/strict';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { pathToFileURL } from 'node:url';
import { DidChangeWatchedFilesNotification, FileChangeType, InlineCompletionRequest, InlineCompletionTriggerKind } from 'vscode-languageserver-protocol/node';
import { searchCodebaseRequest, statusRequest, type IndexStatus } from '../../server/protocol/contract';
import { startOpenAIServer, type OpenAIServer } from '../support/openaiServer';
import { settingsFor, startSidecar, type Sidecar } from './sidecarProcess';
import { tempDir } from '../support/tempDir';

const taxSource = [
  'export interface VatRule { country: string; rate: number }',
  '',
  'export function computeVatRate(country: string, rules: VatRule[]): number {',
  '  return rules.find((rule) => rule.country === country)?.rate ?? 0.2;',
  '}',
  '',
].join('\n');

async function indexReady(sidecar: Sidecar, files: number): Promise<IndexStatus> {
  for (let waited = 0; ; waited += 50) {
    const { index } = await sidecar.connection.sendRequest(statusRequest);
    if (index?.state === 'ready' && index.files >= files) return index;
    if (waited > 20_000) throw new Error(`the index did not get ready with ${files} files: ${JSON.stringify(index)}`);
    await new Promise((resolve) => setTimeout(resolve, 50));
  }
}

describe('workspace index in the sidecar (rook lsp --stdio)', () => {
  let server: OpenAIServer;
  let sidecar: Sidecar;
  let logs: string[];
  const root = tempDir('codebase');
  const storage = tempDir('index-store');

  async function start(): Promise<void> {
    sidecar = await startSidecar({ workspaceFolder: root, indexStoragePath: storage });
    logs = [];
    sidecar.connection.onNotification('window/logMessage', (message: { message: string }) => void logs.push(message.message));
    assert.equal((await sidecar.configure(settingsFor([server.baseUrl]))).state, 'ready');
  }

  async function promptFor(file: string, text: string): Promise<string> {
    const uri = pathToFileURL(path.join(root, file)).href;
    await sidecar.open(uri, text);
    const lines = text.split('\n');
    const position = { line: lines.length - 1, character: lines.at(-1)!.length };
    await sidecar.connection.sendRequest(InlineCompletionRequest.type, { textDocument: { uri }, position, context: { triggerKind: InlineCompletionTriggerKind.Invoked } });
    return String(server.requests.filter((request) => request.path === '/v1/completions').at(-1)!.body.prompt);
  }

  before(async () => {
    fs.mkdirSync(path.join(root, 'src', 'billing'), { recursive: true });
    fs.writeFileSync(path.join(root, 'src', 'billing', 'tax.ts'), taxSource);
    fs.writeFileSync(path.join(root, 'src', 'filler.ts'), 'export const unrelatedValue = 1;\n');
    server = await startOpenAIServer({ reply: () => '(country, rules);' });
    await start();
  });

  after(async () => {
    await sidecar?.stop();
    await server?.close();
  });

  test("a completion using a name defined in an unopened file gets that file's chunk in its prompt", async () => {
    await indexReady(sidecar, 2);
    const prompt = await promptFor('src/app.ts', 'const rules = loadRules();\nconst rate = computeVatRate');
    assert.ok(prompt.includes(`// Compare this snippet from ${path.join(root, 'src', 'billing', 'tax.ts')}:`), prompt);
    assert.ok(prompt.includes('// export function computeVatRate(country: string, rules: VatRule[]): number {'), prompt);
    assert.ok(prompt.endsWith('const rules = loadRules();\nconst rate = computeVatRate'), 'the chunk comes before the document');
    assert.ok(!prompt.includes('unrelatedValue'), 'a chunk that names nothing near the cursor stays out');
  });

  test('a file written later and reported as changed is indexed and found', async () => {
    fs.writeFileSync(path.join(root, 'src', 'currency.ts'), 'export function formatEuroAmount(cents: number): string {\n  return `${cents / 100} EUR`;\n}\n');
    await sidecar.connection.sendNotification(DidChangeWatchedFilesNotification.type, {
      changes: [{ uri: pathToFileURL(path.join(root, 'src', 'currency.ts')).href, type: FileChangeType.Created }],
    });
    await indexReady(sidecar, 3);
    const prompt = await promptFor('src/report.ts', 'const label = formatEuroAmount');
    assert.ok(prompt.includes('// export function formatEuroAmount(cents: number): string {'), prompt);
  });

  test('rook/searchCodebase ranks chunks for a question and narrows them to a folder', async () => {
    const all = await sidecar.connection.sendRequest(searchCodebaseRequest, { query: 'How is the VAT rate computed?' });
    assert.equal(all.chunks[0].path, 'src/billing/tax.ts');
    assert.equal(all.chunks[0].firstLine, 0);
    assert.equal(all.chunks[0].text, taxSource);
    assert.equal(all.index.state, 'ready');
    const narrowed = await sidecar.connection.sendRequest(searchCodebaseRequest, { query: 'amount rate', within: 'src/billing' });
    assert.deepEqual(narrowed.chunks.map((chunk) => chunk.path), ['src/billing/tax.ts']);
    await assert.rejects(sidecar.connection.sendRequest(searchCodebaseRequest, { query: 'x', limit: 1000 } as never), /limit must be/);
  });

  test('after a restart the saved index is loaded, not rebuilt, and still serves completions', async () => {
    await sidecar.stop();
    await start();
    await indexReady(sidecar, 3);
    assert.ok(logs.some((line) => /Workspace index: .*from the saved index/.test(line)), logs.join('\n'));
    const prompt = await promptFor('src/app2.ts', 'const rate = computeVatRate');
    assert.ok(prompt.includes('// export function computeVatRate('), prompt);
  });

  test('rook.index.enabled false turns the index off', async () => {
    const settings = settingsFor([server.baseUrl]);
    await sidecar.configure({ ...settings, index: { enabled: false } });
    const { index } = await sidecar.connection.sendRequest(statusRequest);
    assert.equal(index?.state, 'off');
    const prompt = await promptFor('src/app3.ts', 'const rate = computeVatRate');
    assert.ok(!prompt.includes('computeVatRate(country'), prompt);
  });
});
