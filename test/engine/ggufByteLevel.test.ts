/**
 * Byte-level BPE vocabularies in GGUF (llama.cpp's `gpt2` tokenizer: Qwen's, OLMoE's), judged by llama.cpp: a model
 * converted from a checkpoint with Qwen's tokenizer.json exports a GGUF whose vocabulary llama.cpp tokenizes exactly
 * as Rook's engine does, and that GGUF converts back to a tokenizer.json that tokenizes the same, with the config's
 * FIM markers and no BOS. The texts cover what byte-level pre-tokenizers split differently: contractions, digits,
 * runs of spaces and newlines, CRLF, accents, CJK and emoji split across tokens.
 *
 * DeepSeek's pre-tokenizers (llama.cpp's "deepseek-coder", "deepseek-llm", "deepseek-v3") are several regexes applied
 * in turn; their vocabularies here have merges learned across where those regexes split (from the texts themselves), so
 * a text split anywhere else than where llama.cpp splits it gets other ids. Their texts add runs of digits, CJK and
 * kana, full-width and ASCII punctuation, symbols, other scripts' digits and letters; `llamaOnlyTexts` has non-ASCII
 * whitespace beside what DeepSeek's CJK and punctuation classes spell (llama.cpp never matches it there, a
 * tokenizer.json's own regex does), judged on the GGUF's conversion back only.
 */
import assert from 'node:assert/strict';
import * as path from 'node:path';
import { test } from 'node:test';
import { LocalEngine } from '../../server/engines/local/localEngine';
import { readModelConfig } from '../../server/model/config';
import { convertCheckpoint } from '../../server/model/convert';
import { readGgufArchitecture } from '../../server/model/gguf/architecture';
import { preTokenizers } from '../../server/model/tokenizerRegexes';
import { qwenStyleTokenizer } from './byteLevelTokenizer';
import { tempDir } from '../support/tempDir';
import { hfFamilyCheckpoint, tinyOlmoe, tinyQwen3Moe } from './hfCheckpoints';
import { llama } from './llamaParity';

const texts = [
  'def parse(line: str) -> list[str]:\n    """Split a line; keep the café\'s name."""\n    if not line:\n        return []\n\n\n    return line.split(";")\n',
  "It's 2026: we'll ship 1234567 tokens, won't we?   \n\t\n",
  'for (let i = 0; i < n; i++) {\r\n\tsum += values[i];\r\n}\r\n',
  '// 😀 🎉 日本語 ☀ naïve Ünïcödé\n  \n',
];

const deepseekTexts = [
  'x = 1234567 + 89.5e-3;  // 第2版: 日本語のテキスト、カタカナ。\n\n\tif (a[i] >= b) { return "ok"; }\r\n',
  '「引用」、（全角）！？ … “quotes” — ①②③ ١٢٣ ½ Ünïcödé ΑΒΓ αβγ Привет мир 한국어 텍스트\n',
  "class A:\n    def f(self, x=0x1F):  # it's 100% ok\n        return [x**2 for x in range(10_000)]\n    \n",
];
const llamaOnlyTexts = ['☀\u3000→ 、\u3000。 日本\u3000語 x\u00a0\u3000y\u2003☀\u2003z \u3000\u3000。\n'];

async function llamaTokens(gguf: string, of: readonly string[]): Promise<number[][]> {
  const model = await (await llama()).loadModel({ modelPath: gguf, vocabOnly: true });
  try {
    return of.map((text) => [...model.tokenize(text, false)]);
  } finally {
    await model.dispose();
  }
}

async function rookTokens(folder: string, of: readonly string[]): Promise<number[][]> {
  const engine = await LocalEngine.load({ modelPath: folder, executionProvider: 'cpu', threads: 1 });
  try {
    return of.map((text) => engine.encode(text));
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

/** A tokenizer.json with DeepSeek's Splits as its models' files write them, and merges across them. */
function deepseekStyleTokenizer(pre: string): () => { json: object; vocabSize: number } {
  return () => {
    const tokenizer = qwenStyleTokenizer({ splits: preTokenizers.get(pre), wholeText: [...deepseekTexts, ...llamaOnlyTexts].join('\n').repeat(2) });
    return { ...tokenizer, json: { ...tokenizer.json, normalizer: null } };
  };
}

for (const [label, shape, tokenizer, pre, extraTexts] of [
  ['Qwen (qwen2)', tinyQwen3Moe, () => ({ ...qwenStyleTokenizer(), json: { ...(qwenStyleTokenizer().json as Record<string, unknown>), normalizer: null } }), 'qwen2', []],
  ['GPT-2 style (gpt-2)', tinyOlmoe, gpt2StyleTokenizer, 'gpt-2', []],
  ['DeepSeek-Coder (deepseek-coder)', tinyQwen3Moe, deepseekStyleTokenizer('deepseek-coder'), 'deepseek-coder', deepseekTexts],
  ['DeepSeek-LLM (deepseek-llm)', tinyQwen3Moe, deepseekStyleTokenizer('deepseek-llm'), 'deepseek-llm', deepseekTexts],
  ['DeepSeek-V3 (deepseek-v3)', tinyQwen3Moe, deepseekStyleTokenizer('deepseek-v3'), 'deepseek-v3', deepseekTexts],
] as const) {
  test(`gguf byte-level vocabulary: ${label}: llama.cpp tokenizes the exported GGUF as Rook does, and it converts back to the same tokenizer`, async () => {
    const fixture = hfFamilyCheckpoint(shape, 74, tokenizer());
    const out = path.join(tempDir('bytelevel'), 'model');
    convertCheckpoint(fixture.checkpoint, out, { gguf: true });
    const gguf = path.join(out, 'model.gguf');
    const read = await readGgufArchitecture(gguf);
    assert.equal('tokenizer' in read && read.tokenizer?.pre, pre);
    const all = [...texts, ...extraTexts];
    const expected = await rookTokens(out, all);
    assert.ok(expected.every((tokens) => tokens.length > 5));
    assert.deepEqual(await llamaTokens(gguf, all), expected, `llama.cpp (${pre}) tokenizes otherwise`);

    const back = path.join(tempDir('bytelevel-back'), 'model');
    const result = convertCheckpoint(gguf, back);
    assert.match(result.format, /^GGUF/);
    assert.deepEqual(await rookTokens(back, all), expected);
    if (pre.startsWith('deepseek')) assert.deepEqual(await rookTokens(back, llamaOnlyTexts), await llamaTokens(gguf, llamaOnlyTexts), `llama.cpp (${pre}) tokenizes non-ASCII whitespace otherwise`);
    const [converted, original] = [readModelConfig(path.join(back, 'config.json')), readModelConfig(path.join(out, 'config.json'))];
    assert.equal(converted.addBosToken, original.addBosToken);
    assert.deepEqual(converted.fim, original.fim);
  });
}
