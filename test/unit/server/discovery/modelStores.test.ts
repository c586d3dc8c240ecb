/**
 * The models already on this machine: an Ollama store and an LM Studio folder written as those programs write them
 * (Ollama's manifest JSON, its `blobs/sha256-<hex>` names; LM Studio's `publisher/repo/file.gguf`), each model listed
 * under its program's name and resolved to its GGUF file, with only Rook's architectures offered as runnable.
 */
import assert from 'node:assert/strict';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { test } from 'node:test';
import { discoverModelFiles, listLmStudioModels, listOllamaModels, modelStoreRoots, ollamaModelName, storeLimits } from '../../../../server/discovery/modelStores';
import { architectureLimits, ggufArchitectureIn } from '../../../../server/model/gguf/architecture';
import { serializeGguf, type GgufValue } from '../../../../server/model/gguf/write';
import { ollamaModel } from '../../../support/ollamaStore';
import { tempDir } from '../../../support/tempDir';

/** A GGUF header as llama.cpp writes it: `general.*` first, then the architecture's keys, the vocabulary last. */
function ggufHeader(architecture: string, experts?: number, vocabulary = 10, tokenizer?: { model: string; pre: string }): Buffer {
  const metadata = new Map<string, GgufValue>([
    ['general.architecture', { str: architecture }],
    ['general.name', { str: `a ${architecture} model` }],
    ['general.tags', { strs: ['code', 'moe'] }],
    [`${architecture}.block_count`, { u32: 2 }],
  ]);
  if (experts !== undefined) metadata.set(`${architecture}.expert_count`, { u32: experts });
  if (tokenizer) {
    metadata.set('tokenizer.ggml.model', { str: tokenizer.model });
    metadata.set('tokenizer.ggml.pre', { str: tokenizer.pre });
  }
  metadata.set('tokenizer.ggml.tokens', { strs: Array.from({ length: vocabulary }, (_, i) => `token${i}`) });
  return serializeGguf(metadata, []);
}

test('Ollama store: each manifest is listed by its Ollama name and resolves to its GGUF blob; others are listed as not supported', async () => {
  const root = tempDir('ollama');
  const qwen = ollamaModel(root, 'registry.ollama.ai', 'library', 'qwen3-coder', '30b', ggufHeader('qwen3moe', 128), '{{- if .Suffix }}<|fim_prefix|>{{ .Prompt }}<|fim_suffix|>{{ .Suffix }}<|fim_middle|>{{ end }}');
  const mixtral = ollamaModel(root, 'registry.ollama.ai', 'someone', 'mixtral-code', 'q4_K_M', ggufHeader('llama', 8), '{{ .Prompt }}');
  const dense = ollamaModel(root, 'hf.co', 'bartowski', 'Llama-3.2-1B-GGUF', 'Q4_K_M', ggufHeader('llama'));
  const gemma = ollamaModel(root, 'registry.ollama.ai', 'library', 'gemma3', 'latest', ggufHeader('gemma3'));
  // Not models: a manifest whose digest is not one Ollama writes (it would become a path), and one of another schema.
  fs.writeFileSync(path.join(root, 'manifests', 'registry.ollama.ai', 'library', 'gemma3', 'evil'), JSON.stringify({ schemaVersion: 2, layers: [{ mediaType: 'application/vnd.ollama.image.model', digest: 'sha256:../../../etc/passwd' }] }));
  fs.writeFileSync(path.join(root, 'manifests', 'registry.ollama.ai', 'library', 'gemma3', 'v1'), JSON.stringify({ schemaVersion: 1, layers: [] }));

  const models = await listOllamaModels(root);
  const byName = new Map(models.map((model) => [model.name, model]));
  assert.deepEqual([...byName.keys()].sort(), ['gemma3:latest', 'hf.co/bartowski/Llama-3.2-1B-GGUF:Q4_K_M', 'qwen3-coder:30b', 'someone/mixtral-code:q4_K_M']);
  assert.deepEqual(byName.get('qwen3-coder:30b'), { source: 'Ollama', name: 'qwen3-coder:30b', file: qwen, sizeBytes: fs.statSync(qwen).size, architecture: 'qwen3moe', runnable: true, fim: true });
  assert.equal(byName.get('someone/mixtral-code:q4_K_M')?.file, mixtral);
  assert.equal(byName.get('someone/mixtral-code:q4_K_M')?.runnable, true);
  assert.equal(byName.get('someone/mixtral-code:q4_K_M')?.fim, false);
  assert.equal(byName.get('hf.co/bartowski/Llama-3.2-1B-GGUF:Q4_K_M')?.file, dense);
  assert.match(byName.get('hf.co/bartowski/Llama-3.2-1B-GGUF:Q4_K_M')?.problem ?? '', /dense llama model/);
  assert.equal(byName.get('gemma3:latest')?.file, gemma);
  assert.equal(byName.get('gemma3:latest')?.runnable, false);
  assert.match(byName.get('gemma3:latest')?.problem ?? '', /architecture "gemma3" is not one Rook runs \(it runs grok, llama, qwen2moe, qwen3moe, olmoe, granitemoe, gpt-oss, deepseek2\)/);

  const all = await discoverModelFiles({ ollama: [root, root], lmStudio: [] });
  assert.equal(all.length, 4, 'a blob reachable twice is listed once');
  assert.deepEqual(all.map((model) => model.runnable), [true, true, false, false], 'runnable models first');
});

test('LM Studio folder: publisher/repo/file.gguf, projectors skipped, split files named as such', async () => {
  const root = tempDir('lmstudio');
  const write = (relative: string, bytes: Buffer) => {
    fs.mkdirSync(path.dirname(path.join(root, relative)), { recursive: true });
    fs.writeFileSync(path.join(root, relative), bytes);
    return path.join(root, relative);
  };
  const olmoe = write('allenai/OLMoE-1B-7B-0924-GGUF/olmoe-1b-7b-0924-q4_k_m.gguf', ggufHeader('olmoe', 64));
  write('allenai/OLMoE-1B-7B-0924-GGUF/mmproj-f16.gguf', ggufHeader('clip'));
  write('allenai/OLMoE-1B-7B-0924-GGUF/README.md', Buffer.from('# model card'));
  write('Qwen/Qwen3-Coder-480B-GGUF/Qwen3-Coder-480B-Q4_K_M-00001-of-00003.gguf', ggufHeader('qwen3moe', 160));
  write('loose.gguf', ggufHeader('olmoe', 64)); // LM Studio itself lists only files two folders down
  const models = await listLmStudioModels(root);
  assert.deepEqual(models.map((model) => model.name), ['Qwen/Qwen3-Coder-480B-GGUF/Qwen3-Coder-480B-Q4_K_M-00001-of-00003.gguf', 'allenai/OLMoE-1B-7B-0924-GGUF/olmoe-1b-7b-0924-q4_k_m.gguf']);
  assert.deepEqual(models[1], { source: 'LM Studio', name: 'allenai/OLMoE-1B-7B-0924-GGUF/olmoe-1b-7b-0924-q4_k_m.gguf', file: olmoe, sizeBytes: fs.statSync(olmoe).size, architecture: 'olmoe', runnable: true });
  assert.equal(models[0].runnable, false);
  assert.match(models[0].problem ?? '', /split into several files.*llama-gguf-split --merge/);
});

test('model stores: the walk is bounded in models, and an absent store is no error', async () => {
  const root = tempDir('lmstudio-many');
  const header = ggufHeader('olmoe', 64);
  for (let i = 0; i < storeLimits.models + 5; i++) {
    fs.mkdirSync(path.join(root, 'p', `r${String(i).padStart(3, '0')}`), { recursive: true });
    fs.writeFileSync(path.join(root, 'p', `r${String(i).padStart(3, '0')}`, 'm.gguf'), header);
  }
  assert.equal((await listLmStudioModels(root)).length, storeLimits.models);
  assert.deepEqual(await discoverModelFiles({ ollama: [path.join(root, 'none')], lmStudio: [path.join(root, 'nothing')] }), []);
});

test('model stores: the default places are each program\'s documented ones', () => {
  assert.deepEqual(modelStoreRoots({}, '/home/u', 'linux'), {
    ollama: ['/home/u/.ollama/models', '/usr/share/ollama/.ollama/models'],
    lmStudio: ['/home/u/.lmstudio/models', '/home/u/.cache/lm-studio/models'],
  });
  assert.deepEqual(modelStoreRoots({ OLLAMA_MODELS: '/data/ollama' }, '/home/u', 'darwin').ollama, ['/data/ollama']);
  assert.equal(ollamaModelName('registry.ollama.ai', 'library', 'qwen3', '8b'), 'qwen3:8b');
});

test('GGUF architecture: read from the header\'s start only; past the bounds, a problem rather than a read', () => {
  assert.deepEqual(ggufArchitectureIn(ggufHeader('qwen3moe', 128)), { architecture: 'qwen3moe', expertCount: 128 });
  assert.deepEqual(ggufArchitectureIn(ggufHeader('llama')), { architecture: 'llama', expertCount: undefined });
  // A vocabulary far larger than the bytes read: the architecture comes before it.
  const big = ggufHeader('olmoe', 64, 50_000);
  assert.ok(big.length > architectureLimits.headBytes);
  assert.deepEqual(ggufArchitectureIn(big.subarray(0, architectureLimits.headBytes)), { architecture: 'olmoe', expertCount: 64 });
  assert.match((ggufArchitectureIn(Buffer.from('not a gguf')) as { problem: string }).problem, /not a GGUF file/);
  const truncated = ggufHeader('qwen3moe').subarray(0, 30);
  assert.match((ggufArchitectureIn(truncated) as { problem: string }).problem, /no general\.architecture in the first/);
  // A string length larger than the file, as a corrupt header might claim.
  const lying = Buffer.from(ggufHeader('qwen3moe'));
  lying.writeBigUInt64LE(2n ** 60n, 24);
  assert.ok('problem' in ggufArchitectureIn(lying));
});

test("a GGUF whose vocabulary Rook cannot read is listed as not runnable, its pre-tokenizer named; DeepSeek's are runnable", async () => {
  const root = tempDir('ollama-tokenizer');
  ollamaModel(root, 'registry.ollama.ai', 'library', 'mistral-nemo-moe', '12b', ggufHeader('qwen3moe', 8, 10, { model: 'gpt2', pre: 'tekken' }));
  ollamaModel(root, 'registry.ollama.ai', 'library', 'qwen3-coder', '30b', ggufHeader('qwen3moe', 128, 10, { model: 'gpt2', pre: 'qwen2' }));
  for (const [tag, pre] of [['16b', 'deepseek-llm'], ['16b-lite-base', 'deepseek-coder'], ['v3', 'deepseek-v3']]) {
    ollamaModel(root, 'registry.ollama.ai', 'library', 'deepseek-coder-v2', tag, ggufHeader('deepseek2', 64, 10, { model: 'gpt2', pre }));
  }
  const listed = await listOllamaModels(root);
  const other = listed.find((model) => model.name === 'mistral-nemo-moe:12b');
  assert.equal(other?.runnable, false);
  assert.match(other?.problem ?? '', /tokenizer\.ggml\.pre "tekken" is not one Rook reads \(qwen2, gpt-4o, gpt-2, olmo, deepseek-coder, deepseek-llm, deepseek-v3\)/);
  assert.equal(listed.find((model) => model.name === 'qwen3-coder:30b')?.runnable, true);
  for (const tag of ['16b', '16b-lite-base', 'v3']) assert.equal(listed.find((model) => model.name === `deepseek-coder-v2:${tag}`)?.runnable, true, tag);
});
