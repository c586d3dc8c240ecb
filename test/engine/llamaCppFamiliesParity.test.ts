/**
 * Each MoE family against llama.cpp's own graph for it (node-llama-cpp's prebuilt CPU binary) on the GGUF export of
 * the same weights: `qwen3moe` (per-head q/k RMSNorm), `qwen2moe` (q/k/v biases, sigmoid-gated shared expert),
 * `olmoe` (q/k RMSNorm over the whole projection), `granitemoe` (four multipliers, interleaved RoPE rows, with and
 * without the shared expert), `gpt-oss`, `deepseek2` (latent attention in the absorbed form, both caching the latent,
 * a dense first layer, shared experts, routed scaling, YaRN with DeepSeek's mscale; with and without
 * the query bottleneck), `grok` as Grok-2 (a dense MLP beside the experts, a final logit soft-cap, YaRN; what it leaves out
 * is said at `tinyGrok2`), and `qwen3moe` with a dense layer between sparse ones (`mlp_only_layers`), which no llama.cpp
 * graph has, through an equivalent all-sparse model. Same tolerance as the Grok and Mixtral parity tests (|Δp| ≤ 5e-3, |Δ log p| ≤ 5e-2
 * where both p > 1e-3) and 128 identical greedy tokens.
 */
import assert from 'node:assert/strict';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { test } from 'node:test';
import { decoderTensorNames } from '../../server/model/arch/decoder';
import { serializeModelConfig } from '../../server/model/config';
import { exportGguf } from '../../server/model/gguf/export';
import { readSafetensors, writeSafetensors } from '../../server/model/safetensors';
import { tinyModelFolder } from './fixtures';
import { tempDir } from '../support/tempDir';
import { tinyDeepseekV2, tinyDeepseekV2Full, tinyGptOss, tinyGraniteMoe, tinyGraniteMoeShared, tinyGrok2, tinyOlmoe, tinyQwen2Moe, tinyQwen3Moe, tinyQwen3MoeDense } from './hfCheckpoints';
import { expectLlamaCppParity, seededPrompt } from './llamaParity';

const families = [
  ['qwen3moe', tinyQwen3Moe],
  ['qwen2moe', tinyQwen2Moe],
  ['olmoe', tinyOlmoe],
  ['granitemoe', tinyGraniteMoe],
  ['granitemoe (shared expert)', tinyGraniteMoeShared],
  ['gpt-oss', tinyGptOss],
  ['deepseek2 (V2-Lite: latent attention, dense first layer, shared experts, YaRN with mscale)', tinyDeepseekV2],
  ['deepseek2 (V2: q_lora_rank, renormalized top-k)', tinyDeepseekV2Full],
  ['grok (Grok-2: residual MLP, sum times 1/√2, final logit soft-cap, attention soft-cap, YaRN)', tinyGrok2],
] as const;

for (const [label, shape] of families) {
  test(`llama.cpp parity: ${label}: same distributions and 128 identical greedy tokens`, async () => {
    const { dir, config } = tinyModelFolder(shape, 17, { gguf: true, logitRows: 'all' });
    await expectLlamaCppParity(label, dir, config, seededPrompt(config, 17), { prob: 5e-3, logProb: 5e-2 });
  });
}

test('llama.cpp parity: qwen3moe with a dense layer between sparse ones (mlp_only_layers), against the same model whose layer has every expert equal to that MLP', async () => {
  const { dir, config } = tinyModelFolder(tinyQwen3MoeDense, 19, { logitRows: 'all' });
  assert.throws(() => exportGguf(dir), /mlp_only_layers \[1\] \(needs \[\]\)/);
  // With the top-k gates renormalized, a layer whose experts are all one SwiGLU MLP computes that MLP whichever
  // experts the router picks: the same function in llama.cpp's qwen3moe graph, which has no dense layers.
  assert.ok(config.routerRenormalize);
  const weights = readSafetensors(path.join(dir, 'model.safetensors'));
  const sparse = new Map(weights);
  for (const i of config.denseLayerIds) {
    const layer = decoderTensorNames.layer(i);
    sparse.set(layer.router, weights.get(decoderTensorNames.layer(0).router)!);
    for (let j = 0; j < config.numExperts; j++) {
      sparse.set(layer.expertGate(j), weights.get(layer.denseGate)!);
      sparse.set(layer.expertUp(j), weights.get(layer.denseUp)!);
      sparse.set(layer.expertDown(j), weights.get(layer.denseDown)!);
    }
    for (const name of [layer.denseGate, layer.denseUp, layer.denseDown]) sparse.delete(name);
  }
  const sparseDir = tempDir('qwen3moe-all-sparse');
  fs.writeFileSync(path.join(sparseDir, 'config.json'), JSON.stringify(serializeModelConfig({ ...config, denseLayerIds: [], denseFfnSize: 0 })));
  fs.copyFileSync(path.join(dir, 'tokenizer.json'), path.join(sparseDir, 'tokenizer.json'));
  writeSafetensors(path.join(sparseDir, 'model.safetensors'), sparse);
  exportGguf(sparseDir);
  fs.copyFileSync(path.join(sparseDir, 'model.gguf'), path.join(dir, 'model.gguf'));
  await expectLlamaCppParity('qwen3moe (dense layer 1 of 3)', dir, config, seededPrompt(config, 19), { prob: 5e-3, logProb: 5e-2 });
});
