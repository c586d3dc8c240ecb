/**
 * A Mixtral-style model (pre-norm, SwiGLU experts, renormalized top-2 gates, untied output, no multipliers or
 * soft-caps) against llama.cpp's `llama` architecture on the GGUF export of the same weights, whose q/k rows are
 * permuted for llama.cpp's interleaved RoPE. Without that permutation the greedy tokens part within a few steps.
 * Tolerance as in llamaCppParity.test.ts (|Δp| ≤ 5e-3, |Δ log p| ≤ 5e-2 where both p > 1e-3).
 */
import { test } from 'node:test';
import { tinyModelFolder } from './fixtures';
import { tinyMixtral } from './hfCheckpoints';
import { expectLlamaCppParity, seededPrompt } from './llamaParity';

test('llama.cpp parity: Mixtral-style model as llama.cpp\'s llama architecture: same distributions and 128 identical greedy tokens', async () => {
  const { dir, config } = tinyModelFolder({ ...tinyMixtral, attentionScale: 0.25 }, 13, { gguf: true, logitRows: 'all' });
  await expectLlamaCppParity('Mixtral-style', dir, config, seededPrompt(config, 13), { prob: 5e-3, logProb: 5e-2 });
});
