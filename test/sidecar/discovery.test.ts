/**
 * `rook/discoverServers` against real processes on loopback ports: `rook serve`, a server speaking Ollama's
 * documented API (the protocol double, since Ollama cannot run here), a port with a web server that is no model
 * server, and a closed port. Each server is identified by its API, with its models and whether they do FIM.
 */
import * as assert from 'node:assert/strict';
import * as http from 'node:http';
import type { AddressInfo } from 'node:net';
import { after, before, describe, test } from 'node:test';
import { discoverServersRequest, RookErrorCodes, type DiscoveredServer } from '../../server/protocol/contract';
import { serveModelFolder, startServe, type ServeProcess } from '../serve/serveProcess';
import { startOpenAIServer, type OpenAIServer } from '../support/openaiServer';
import { startSidecar, type Sidecar } from './sidecarProcess';

const qwenCoderTemplate = '{{- if .Suffix }}<|fim_prefix|>{{ .Prompt }}<|fim_suffix|>{{ .Suffix }}<|fim_middle|>{{- else }}{{ .Prompt }}{{ end }}';
const chatTemplate = '{{ range .Messages }}<|im_start|>{{ .Role }}\n{{ .Content }}<|im_end|>\n{{ end }}';
const ollamaModels = [
  { name: 'qwen2.5-coder:1.5b', template: qwenCoderTemplate },
  { name: 'llama3.2:latest', template: chatTemplate },
];

/** A port nothing listens on: one the system gave out and was released. */
async function closedPort(): Promise<number> {
  const server = http.createServer();
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as AddressInfo;
  await new Promise((resolve) => server.close(resolve));
  return port;
}

async function webPage(port = 0): Promise<http.Server> {
  const server = http.createServer((_req, res) => res.writeHead(200, { 'content-type': 'text/html' }).end('<html>a dev server</html>'));
  await new Promise<void>((resolve) => server.listen(port, '127.0.0.1', resolve));
  return server;
}

describe('finding local model servers (rook/discoverServers)', () => {
  let sidecar: Sidecar;
  before(async () => {
    sidecar = await startSidecar();
  });
  after(async () => {
    await sidecar?.stop();
  });

  test('identifies rook serve and Ollama by their APIs, with models and FIM, and skips a web page and a closed port', async () => {
    const serve = await startServe(['--model', serveModelFolder()]);
    const ollama = await startOpenAIServer({ reply: () => 'ok', ollama: { version: '0.5.7', models: ollamaModels } });
    const page = await webPage();
    try {
      const servePort = Number(new URL(serve.baseUrl).port);
      const ports = [ollama.port, servePort, (page.address() as AddressInfo).port, await closedPort()];
      const found = await sidecar.connection.sendRequest(discoverServersRequest, { ports });
      const serveModels = ((await (await fetch(`${serve.baseUrl}/models`)).json()) as { data: { id: string; fim: boolean }[] }).data;
      assert.deepEqual(found, [
        {
          name: 'Ollama 0.5.7',
          baseUrl: `http://127.0.0.1:${ollama.port}/v1`,
          models: [
            { id: 'qwen2.5-coder:1.5b', fim: true },
            { id: 'llama3.2:latest', fim: false },
          ],
        },
        { name: 'rook serve', baseUrl: `http://127.0.0.1:${servePort}/v1`, models: [{ id: serveModels[0].id, fim: serveModels[0].fim }] },
      ] satisfies DiscoveredServer[]);
      // Ollama's models are described from their manifests (/api/show), never by a completion that would load them.
      assert.deepEqual(ollama.requests.filter((r) => r.path.startsWith('/v1/') && r.path !== '/v1/models'), []);
    } finally {
      await Promise.all([serve.stop(), ollama.close(), new Promise((resolve) => page.close(resolve))]);
    }
  });

  test("with no ports given it probes the servers' default ports: Ollama's 11434 and rook serve's 8000", async () => {
    const ollama = await startOpenAIServer({ reply: () => 'ok', ollama: { version: '0.6.0', models: ollamaModels.slice(0, 1) }, port: 11434 });
    // Started inside the try: when 8000 is taken, the Ollama double must still close, or this process never exits.
    let serve: ServeProcess | undefined;
    try {
      serve = await startServe(['--model', serveModelFolder(), '--port', '8000']);
      const found = await sidecar.connection.sendRequest(discoverServersRequest, {});
      assert.deepEqual(
        found.map(({ name, baseUrl }) => ({ name, baseUrl })),
        [
          { name: 'Ollama 0.6.0', baseUrl: 'http://127.0.0.1:11434/v1' },
          { name: 'rook serve', baseUrl: 'http://127.0.0.1:8000/v1' },
        ],
      );
    } finally {
      await Promise.all([serve?.stop(), ollama.close()]);
    }
  });

  test('refuses ports that are not port numbers, naming the field', async () => {
    for (const ports of [[0], [65536], ['11434'], [], Array.from({ length: 17 }, (_, i) => 9000 + i)]) {
      const answer = await sidecar.rawRequest('rook/discoverServers', { ports });
      assert.equal(answer.error?.code, RookErrorCodes.InvalidParams, JSON.stringify(ports));
      assert.match(answer.error!.message, /ports must be a list of 1 to 16 port numbers/);
    }
  });
});
