import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import {
  embeddedNoticeActions,
  embeddedNoticeText,
  endpointInputError,
  endpointNote,
  foundServersSummary,
  normalizedEndpoint,
  serverOfferText,
} from '../../../../extension/onboarding/notices';
import type { DiscoveredServer } from '../../../../server/protocol/contract';

const ollama: DiscoveredServer = { name: 'Ollama 0.6.0', baseUrl: 'http://127.0.0.1:11434/v1', models: [{ id: 'qwen2.5-coder:1.5b', fim: true }, { id: 'llama3.2:latest', fim: false }] };
const serve: DiscoveredServer = { name: 'rook serve', baseUrl: 'http://127.0.0.1:8000/v1', models: [{ id: 'rook-moe-mini', fim: true }] };
const empty: DiscoveredServer = { name: 'LM Studio', baseUrl: 'http://127.0.0.1:1234/v1', models: [] };

describe('first-run notices', () => {
  test('the embedded-model notice says it is a demo, and offers each way to a real model and a way to stop it', () => {
    assert.match(embeddedNoticeText, /embedded model, a tiny demo/);
    for (const way of ['Ollama', 'endpoint', 'rook convert']) assert.ok(embeddedNoticeText.includes(way), way);
    assert.deepEqual(Object.values(embeddedNoticeActions), ['Find Model Servers', 'Other Ways…', "Don't Show Again"]);
  });

  test('the offer names each server found, with its model or how many it serves', () => {
    assert.equal(foundServersSummary([serve]), 'rook serve (rook-moe-mini)');
    assert.equal(foundServersSummary([ollama, serve]), 'Ollama 0.6.0 (2 models) and rook serve (rook-moe-mini)');
    assert.equal(foundServersSummary([ollama, serve, { ...serve, name: 'vLLM' }]), 'Ollama 0.6.0 (2 models), rook serve (rook-moe-mini) and vLLM (rook-moe-mini)');
    const text = serverOfferText([ollama, serve])!;
    assert.match(text, /^Rook found model servers on this machine: Ollama 0\.6\.0 \(2 models\) and rook serve \(rook-moe-mini\)\. Use one of their models/);
    assert.match(text, /Nothing changes until you choose and confirm/);
    assert.match(serverOfferText([serve])!, /^Rook found a model server on this machine: rook serve \(rook-moe-mini\)\. Use it instead/);
    assert.match(serverOfferText([ollama])!, /: Ollama 0\.6\.0 \(2 models\)\. Use one of its models instead/);
  });

  test('no offer when no server serves a model; a server without models is left out of the offer', () => {
    assert.equal(serverOfferText([]), undefined);
    assert.equal(serverOfferText([empty]), undefined);
    assert.match(serverOfferText([empty, serve])!, /^Rook found a model server on this machine: rook serve \(rook-moe-mini\)\./);
  });
});

describe('Set Endpoint input', () => {
  test('accepts http and https base URLs, with or without the API prefix', () => {
    for (const url of ['http://127.0.0.1:8000/v1', 'https://gpu.example.com/v1/', ' http://localhost:11434/v1 ', 'http://[::1]:8080']) {
      assert.equal(endpointInputError(url), undefined, url);
    }
  });

  test('refuses what is not a base URL, saying what to type', () => {
    assert.match(endpointInputError('')!, /e\.g\. http:\/\/127\.0\.0\.1:8000\/v1/);
    assert.match(endpointInputError('localhost:8000/v1')!, /http:\/\/ or https:\/\/|scheme/);
    assert.match(endpointInputError('127.0.0.1:8000')!, /scheme|http/);
    assert.match(endpointInputError('ftp://127.0.0.1/v1')!, /http:\/\/ or https:\/\//);
    assert.match(endpointInputError('http://user:secret@127.0.0.1:8000/v1')!, /secret storage/);
    assert.match(endpointInputError('http://127.0.0.1:8000/v1?key=1')!, /no \?query/);
  });

  test('is written trimmed and without a trailing slash; a missing /v1 is pointed out, not refused', () => {
    assert.equal(normalizedEndpoint(' https://gpu.example.com/v1/ '), 'https://gpu.example.com/v1');
    assert.equal(endpointNote('http://127.0.0.1:8000/v1/'), undefined);
    assert.match(endpointNote('http://127.0.0.1:8000')!, /\/v1/);
  });
});
