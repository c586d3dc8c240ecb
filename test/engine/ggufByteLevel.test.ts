/**
 * Byte-level BPE vocabularies in GGUF (llama.cpp's `gpt2` tokenizer: Qwen's, OLMoE's), judged by llama.cpp: a model
 * converted from a checkpoint with Qwen's tokenizer.json exports a GGUF whose vocabulary llama.cpp tokenizes exactly
 * as Rook's engine does, and that GGUF converts back to a tokenizer.json that tokenizes the same, with the config's
 * FIM markers and no BOS. The texts cover what byte-level pre-tokenizers split differently: contractions, digits,
 * runs of spaces and newlines, CRLF, accents, CJK and emoji split across tokens.
 */
import assert from 'node:assert/strict';
import * as path from 'node:path';
import { test } from 'node:test';
import { LocalEngine } from '../../server/engines/local/localEngine';
import { readModelConfig } from '../../server/model/config';
import { convertCheckpoint } from '../../server/model/convert';
import { qwenStyleTokenizer } from './byteLevelTokenizer';
import { tempDir } from './fixtures';
import { hfFamilyCheckpoint, tinyOlmoe, tinyQwen3Moe } from './hfCheckpoints';
import { llama } from './llamaParity';

const texts = [
  'def parse(line: str) -> list[str]:\n    """Split a line; keep the café\'s name."""\n    if not line:\n        return []\n\n\n    return line.split(";")\n',
  "It's 2026: we'll ship 1234567 tokens, won't we?   \n\t\n",
  'for (let i = 0; i < n; i++) {\r\n\tsum += values[i];\r\n}\r\n',
  '// 😀 🎉 日本語 ☀ naïve Ünïcödé\n  \n',
];

async function llamaTokens(gguf: string): Promise<number[][]> {
  const model = await (await llama()).loadModel({ modelPath: gguf, vocabOnly: true });
  try {
    return texts.map((text) => [...model.tokenize(text, false)]);
  } finally {
    await model.dispose();
  }
}

async function rookTokens(folder: string): Promise<number[][]> {
  const engine = await LocalEngine.load({ modelPath: folder, executionProvider: 'cpu', threads: 1 });
  try {
    return texts.map((text) => engine.encode(text));
  } finally {
    await engine.dispose();
  }
}

/** Qwen's tokenizer with GPT-2's own pre-tokenizer (ByteLevel's regex), as OLMoE's GPT-NeoX tokenizer has. */
function gpt2StyleTokenizer(): { json: object; vocabSize: number } {
  const qwen = qwenStyleTokenizer();
  const json = { ...(qwen.json as Record<string, unknown>), normalizer: null, pre_tokenizer: { type: 'ByteLevel', add_prefix_space: false, trim_offsets: true, use_regex: true } };
  return { json, vocabSize: qwen.vocabSize };
}

for (const [label, shape, tokenizer, pre] of [
  ['Qwen (qwen2)', tinyQwen3Moe, () => ({ ...qwenStyleTokenizer(), json: { ...(qwenStyleTokenizer().json as Record<string, unknown>), normalizer: null } }), 'qwen2'],
  ['GPT-2 style (gpt-2)', tinyOlmoe, gpt2StyleTokenizer, 'gpt-2'],
] as const) {
  test(`gguf byte-level vocabulary: ${label}: llama.cpp tokenizes the exported GGUF as Rook does, and it converts back to the same tokenizer`, async () => {
    const fixture = hfFamilyCheckpoint(shape, 74, tokenizer());
    const out = path.join(tempDir('bytelevel'), 'model');
    convertCheckpoint(fixture.checkpoint, out, { gguf: true });
    const expected = await rookTokens(out);
    assert.ok(expected.every((tokens) => tokens.length > 5));
    assert.deepEqual(await llamaTokens(path.join(out, 'model.gguf')), expected, `llama.cpp (${pre}) tokenizes otherwise`);

    const back = path.join(tempDir('bytelevel-back'), 'model');
    const result = convertCheckpoint(path.join(out, 'model.gguf'), back);
    assert.match(result.format, /^GGUF/);
    assert.deepEqual(await rookTokens(back), expected);
    const [converted, original] = [readModelConfig(path.join(back, 'config.json')), readModelConfig(path.join(out, 'config.json'))];
    assert.equal(converted.addBosToken, original.addBosToken);
    assert.deepEqual(converted.fim, original.fim);
  });
}
