/**
 * A Mixtral-style model (pre-norm, SwiGLU experts, renormalized top-2 gates, untied output, no multipliers or
 * soft-caps) against llama.cpp's `llama` architecture on the GGUF export of the same weights, whose q/k rows are
 * permuted for llama.cpp's interleaved RoPE. Without that permutation the greedy tokens part within a few steps.
 * Tolerance as in llama-cpp-parity.test.ts (|Δp| ≤ 5e-3, |Δ log p| ≤ 5e-2 where both p > 1e-3).
 */
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { tinyModelFolder } from './fixtures';
import { tinyMixtral } from './hfCheckpoints';
import { compareWithLlamaCpp } from './llamaParity';

test('llama.cpp parity: Mixtral-style model as llama.cpp\'s llama architecture: same distributions and 128 identical greedy tokens', async () => {
  const { dir, config } = tinyModelFolder({ ...tinyMixtral, attentionScale: 0.25 }, 13, { gguf: true });
  const { onnxTokens, llamaTokens, worst } = await compareWithLlamaCpp(dir, config, 13);
  assert.deepEqual(onnxTokens, llamaTokens);
  assert.equal(onnxTokens.length, 128);
  assert.ok(new Set(onnxTokens).size > 3, 'greedy decoding should not collapse to one token (the comparison would be weak)');
  assert.ok(worst.prob <= 5e-3, `max |Δp| ${worst.prob}`);
  assert.ok(worst.logProb <= 5e-2, `max |Δ log p| ${worst.logProb}`);
  console.log(`# Mixtral-style: max |Δp| ${worst.prob.toExponential(2)}, max |Δ log p| ${worst.logProb.toExponential(2)}, ${new Set(onnxTokens).size} distinct greedy tokens`);
});
