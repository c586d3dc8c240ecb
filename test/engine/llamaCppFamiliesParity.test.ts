/**
 * Each MoE family against llama.cpp's own graph for it (node-llama-cpp's prebuilt CPU binary) on the GGUF export of
 * the same weights: `qwen3moe` (per-head q/k RMSNorm), `qwen2moe` (q/k/v biases, sigmoid-gated shared expert),
 * `olmoe` (q/k RMSNorm over the whole projection), `granitemoe` (four multipliers, interleaved RoPE rows, with and
 * without the shared expert), `gpt-oss`, `deepseek2` (latent attention in the absorbed form, both caching the latent,
 * a dense first layer, shared experts, routed scaling, YaRN with DeepSeek's mscale; with and without
 * the query bottleneck), `grok` as Grok-2 (a dense MLP beside the experts, a final logit soft-cap, YaRN; what it leaves out
 * is said at `tinyGrok2`). Same tolerance as the Grok and Mixtral parity tests (|Δp| ≤ 5e-3, |Δ log p| ≤ 5e-2
 * where both p > 1e-3) and 128 identical greedy tokens.
 */
import { test } from 'node:test';
import { tinyModelFolder } from './fixtures';
import { tinyDeepseekV2, tinyDeepseekV2Full, tinyGptOss, tinyGraniteMoe, tinyGraniteMoeShared, tinyGrok2, tinyOlmoe, tinyQwen2Moe, tinyQwen3Moe } from './hfCheckpoints';
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
