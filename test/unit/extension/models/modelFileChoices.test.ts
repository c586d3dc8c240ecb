import assert from 'node:assert/strict';
import { test } from 'node:test';
import { confirmationForFile, modelFileChoices } from '../../../../extension/models/modelFileChoices';
import type { DiscoveredModelFile } from '../../../../server/protocol/contract';

const qwen: DiscoveredModelFile = { source: 'Ollama', name: 'qwen3-coder:30b', file: '/m/blobs/sha256-aa', sizeBytes: 18_600_000_000, architecture: 'qwen3moe', runnable: true, fim: true };
const gemma: DiscoveredModelFile = { source: 'LM Studio', name: 'google/gemma/g.gguf', file: '/l/g.gguf', sizeBytes: 3_000_000, architecture: 'gemma3', runnable: false, problem: 'architecture "gemma3" is not one Rook runs' };

test('model file choices: runnable models first and choosable; the others say why not and set nothing', () => {
  const [first, second] = modelFileChoices([gemma, qwen]);
  assert.deepEqual(first, { label: 'qwen3-coder:30b', description: 'Ollama · qwen3moe · 18.6 GB · fill-in-the-middle', detail: '/m/blobs/sha256-aa', file: '/m/blobs/sha256-aa' });
  assert.deepEqual(second, { label: '$(circle-slash) google/gemma/g.gguf', description: 'LM Studio · gemma3 · 3 MB', detail: 'Not supported: architecture "gemma3" is not one Rook runs', file: undefined });
  assert.match(confirmationForFile({ ...first, file: first.file! }), /rook\.local\.modelPath to \/m\/blobs\/sha256-aa in your user settings.*converts the file.*once/);
});
