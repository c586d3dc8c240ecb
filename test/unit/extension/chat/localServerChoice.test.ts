import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { confirmationFor, serverModelChoices, settingsForChoice } from '../../../../extension/chat/localServerChoice';
import type { DiscoveredServer } from '../../../../server/protocol/contract';

const servers: DiscoveredServer[] = [
  { name: 'Ollama 0.5.7', baseUrl: 'http://127.0.0.1:11434/v1', models: [{ id: 'llama3.2:latest', fim: false }, { id: 'qwen2.5-coder:1.5b', fim: true }] },
  { name: 'LM Studio', baseUrl: 'http://127.0.0.1:1234/v1', models: [{ id: 'qwen3-coder-30b-a3b' }] },
];

describe('choosing a model server found on this machine', () => {
  test('offers every model, FIM models first, saying where each runs and what FIM means for it', () => {
    const choices = serverModelChoices(servers);
    assert.deepEqual(
      choices.map(({ label, description }) => [label, description]),
      [
        ['qwen2.5-coder:1.5b', 'Ollama 0.5.7 · http://127.0.0.1:11434/v1'],
        ['llama3.2:latest', 'Ollama 0.5.7 · http://127.0.0.1:11434/v1'],
        ['qwen3-coder-30b-a3b', 'LM Studio · http://127.0.0.1:1234/v1'],
      ],
    );
    assert.match(choices[0].detail, /fill-in-the-middle: yes/);
    assert.match(choices[1].detail, /only the code before the cursor/);
    assert.match(choices[2].detail, /checked when chosen/);
    assert.deepEqual(serverModelChoices([]), []);
  });

  test('writes the endpoint and the model, replacing other endpoints, and the confirmation names every change', () => {
    const [choice] = serverModelChoices(servers);
    assert.deepEqual(settingsForChoice(choice), { engine: 'openai', endpoints: ['http://127.0.0.1:11434/v1'], model: 'qwen2.5-coder:1.5b' });
    const message = confirmationFor(choice);
    for (const part of ['qwen2.5-coder:1.5b', 'Ollama 0.5.7', 'rook.engine to "openai"', 'rook.openai.endpoints to ["http://127.0.0.1:11434/v1"]', 'rook.openai.model to "qwen2.5-coder:1.5b"', 'user settings']) {
      assert.ok(message.includes(part), `${part} in ${message}`);
    }
  });
});
