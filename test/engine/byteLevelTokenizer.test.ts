/**
 * The local engine with a byte-level BPE tokenizer laid out as Qwen2's (`byteLevelTokenizer.ts`): prompts are the
 * tokens the tokenizers library gives the whole text, FIM control tokens included, and streamed text is exactly the
 * decoded tokens, characters split across tokens included.
 */
import assert from 'node:assert/strict';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { after, before, describe, it } from 'node:test';
import { drain } from '../../server/engines/engine';
import { LineTokenizer, type TokenizerJson } from '../../server/engines/local/lineTokenizer';
import { LocalEngine } from '../../server/engines/local/localEngine';
import { fimPromptTokens } from '../../server/engines/local/promptTokens';
import { TextStream } from '../../server/engines/local/textStream';
import { buildOnnxModel } from '../../server/model/build';
import { serializeModelConfig, type ModelConfig } from '../../server/model/config';
import { fimTokens } from '../../server/model/import/fimTokens';
import { modelFiles } from '../../server/model/modelFiles';
import { writeSafetensors } from '../../server/model/safetensors';
import { randomDecoderWeights } from '../../server/model/synthetic';
import { byteSymbols, qwenSplitRegex, qwenStyleTokenizer } from './byteLevelTokenizer';
import { tinyGrok } from './fixtures';
import { tempDir } from '../support/tempDir';

type TokenizersModule = typeof import('@huggingface/tokenizers', { with: { 'resolution-mode': 'import' } });
const { Tokenizer } = require('@huggingface/tokenizers') as TokenizersModule;

const qwen = qwenStyleTokenizer();
const library = new Tokenizer(qwen.json, { clean_up_tokenization_spaces: false });
const encodeWhole = (text: string): number[] => library.encode(text, { add_special_tokens: false }).ids;
const decode = (ids: number[]) => library.decode(ids);

/** What tokenizing a line at a time would give: each line's tokens, joined by the newline's. */
const byLines = (text: string) => text.split('\n').flatMap((line, i) => [...(i > 0 ? encodeWhole('\n') : []), ...(line ? encodeWhole(line) : [])]);

/** Texts on which Qwen's pre-tokenizer makes a token across a line break: line-by-line tokens would differ. */
const acrossLines = [
  'const total = a + b;\nreturn total;\n',
  'def f(x):\n    return x\n\n\nclass A:\n    pass\n',
  'x = 1   \n\n    y = 2',
  'for (;;) {\r\n\tbreak;\r\n}\r\n',
];

/** Half of a UTF-16 surrogate pair: what slicing a 4-byte character's text in two leaves. */
const loneSurrogate = /[\uD800-\uDFFF]/u;

/** Characters of two, three and four UTF-8 bytes, split across tokens or merged in one. */
const multiByte = ['café', 'naïve', '日本語 😀 🎉', '€ → ✅', 'x = "héllo, wörld"; // 🚀\n'];

describe('byte-level BPE tokenizer fixture', () => {
  it("is laid out as Qwen2's tokenizer.json", () => {
    const pre = qwen.json.pre_tokenizer as { type: string; pretokenizers: { type: string; pattern?: { Regex: string }; use_regex?: boolean }[] };
    assert.deepEqual(pre.pretokenizers.map((step) => step.type), ['Split', 'ByteLevel']);
    assert.equal(pre.pretokenizers[0].pattern?.Regex, qwenSplitRegex);
    assert.equal(pre.pretokenizers[1].use_regex, false);
    const vocab = qwen.json.model.vocab;
    // The 256 byte symbols are ids 0-255, "!" first as in Qwen's vocab.json; every merge's piece follows in merge order.
    assert.equal(vocab['!'], 0);
    assert.deepEqual(new Set(Object.entries(vocab).filter(([, id]) => id < 256).map(([piece]) => piece)), new Set(byteSymbols()));
    qwen.json.model.merges.forEach((merge, rank) => assert.equal(vocab[merge.replace(' ', '')], 256 + rank, merge));
    assert.equal(qwen.json.added_tokens[0].id, Object.keys(vocab).length);
    assert.ok(['ĊĊ', ';Ċ', ':Ċ', 'čĊ'].every((piece) => piece in vocab), 'merges across a line break, as in Qwen\'s vocabulary');
  });

  it('names its FIM tokens and its stops as a Qwen tokenizer does', () => {
    const found = fimTokens(qwen.json);
    assert.deepEqual(found.fim, { prefix: qwen.idOf('<|fim_prefix|>'), suffix: qwen.idOf('<|fim_suffix|>'), middle: qwen.idOf('<|fim_middle|>') });
    assert.deepEqual(found.stop, ['<|endoftext|>', '<|im_end|>', '<|fim_pad|>', '<|repo_name|>', '<|file_sep|>'].map(qwen.idOf));
  });
});

describe('line-at-a-time tokenizing with a byte-level BPE tokenizer', () => {
  it('would give other tokens than the whole text, so it is refused', () => {
    for (const text of acrossLines) assert.notDeepEqual(byLines(text), encodeWhole(text), `${JSON.stringify(text)} tokenizes the same by lines: not a test of the refusal`);
    assert.equal(LineTokenizer.ifExact(qwen.json as TokenizerJson, encodeWhole), undefined);
    // Were the layout checks fooled (no pre-tokenizer, no Ċ piece in sight), the self-check's sample still refuses it.
    assert.equal(LineTokenizer.ifExact({ model: { type: 'BPE', vocab: {} } }, encodeWhole), undefined);
  });
});

describe('the local engine with a byte-level BPE tokenizer', () => {
  let dir: string;
  let config: ModelConfig;
  let engine: LocalEngine;
  before(async () => {
    dir = tempDir('byte-level');
    // Qwen's config.json names <|endoftext|> as both BOS and EOS.
    const endOfText = qwen.idOf('<|endoftext|>');
    config = { ...tinyGrok, vocabSize: qwen.vocabSize, bosTokenId: endOfText, addBosToken: false, eosTokenId: endOfText, padTokenId: endOfText, fim: fimTokens(qwen.json).fim, fimLayout: 'psm' };
    fs.writeFileSync(path.join(dir, modelFiles.config), JSON.stringify(serializeModelConfig(config)));
    fs.writeFileSync(path.join(dir, modelFiles.tokenizer), JSON.stringify(qwen.json));
    writeSafetensors(path.join(dir, modelFiles.weights), randomDecoderWeights(config, 5));
    buildOnnxModel(dir);
    engine = await LocalEngine.load({ modelPath: dir, executionProvider: 'cpu', threads: 1, seed: 7 });
  });
  after(async () => {
    await engine.dispose();
    fs.rmSync(dir, { recursive: true, force: true });
  });

  it('encodes a text as the library encodes the whole of it, where a line at a time would not', () => {
    for (const text of [...acrossLines, ...multiByte, '', '\n', '\n\n  \n', ' \r\n ']) assert.deepEqual(engine.encode(text), encodeWhole(text), JSON.stringify(text));
    // Typed one character at a time, as the engine sees a line being written: every prompt is the whole text's tokens.
    const typed = acrossLines[1];
    for (let end = 0; end <= typed.length; end++) assert.deepEqual(engine.encode(typed.slice(0, end)), encodeWhole(typed.slice(0, end)));
  });

  it("builds a FIM prompt of exactly the tokens of Qwen's FIM text, with no BOS before it (Qwen's tokenizer adds none)", async () => {
    const fim = config.fim!;
    for (const [prefix, suffix] of [['def add(a, b):\n    ', '\n\nprint(add(1, 2))\n'], ['const s = "日本', '語";\n'], ['x = 1;\n', '']]) {
      const text = `<|fim_prefix|>${prefix}<|fim_suffix|>${suffix}<|fim_middle|>`;
      const expected = encodeWhole(text);
      assert.deepEqual(fimPromptTokens(engine.bos, fim, engine.encode(prefix), engine.encode(suffix), 4096, 'psm'), expected, text);
      const end = (await drain(engine.complete({ prompt: prefix, suffix, maxTokens: 3, temperature: 0 }, new AbortController().signal))).usage;
      assert.equal(end?.promptTokens, expected.length);
    }
  });

  it('streams whole tokens with their texts, never half a character', async () => {
    // Random weights pick any token, bytes that make no character included: those decode to U+FFFD, as they should.
    for await (const event of engine.complete({ prompt: 'const s = "日本', maxTokens: 64, temperature: 1, topLogprobs: 5 }, new AbortController().signal)) {
      if (event.kind !== 'text') continue;
      assert.equal(event.tokens?.join(''), event.text);
      for (const text of [event.text, ...(event.topLogprobs ?? []).flat().map((choice) => choice.text)]) assert.ok(!loneSurrogate.test(text), JSON.stringify(text));
    }
  });
});

describe('streaming byte-level tokens', () => {
  /** Streams `text`'s tokens after `prompt`'s, as the engine does; returns the pieces shown. */
  function stream(prompt: string, text: string, stops: string[] = []) {
    const promptTokens = encodeWhole(prompt);
    const textStream = new TextStream(decode, stops, promptTokens.at(-1));
    const pieces: { text: string; tokens: string[] }[] = [];
    let stopped = false;
    for (const token of encodeWhole(text)) {
      const shown = textStream.push(token);
      if (shown.text) pieces.push(shown);
      if ((stopped = shown.stopped)) break;
    }
    if (!stopped) pieces.push(textStream.flush());
    return pieces.filter((piece) => piece.text !== '');
  }

  it('shows each character whole, once the token that completes it arrives', () => {
    const split = multiByte.filter((text) => encodeWhole(text).some((token) => decode([token]).includes('\uFFFD')));
    assert.ok(split.length >= 3 && split.length < multiByte.length, 'characters both split across tokens and merged in one');
    for (const text of multiByte) {
      for (const prompt of ['', 'x = ', '日本', '😀']) {
        const pieces = stream(prompt, text);
        assert.equal(pieces.map((piece) => piece.text).join(''), text, `${JSON.stringify(prompt)} + ${JSON.stringify(text)}`);
        for (const piece of pieces) {
          assert.ok(!piece.text.includes('\uFFFD') && !loneSurrogate.test(piece.text), JSON.stringify(piece.text));
          assert.equal(piece.tokens.join(''), piece.text);
        }
      }
    }
  });

  it("gives each alternative the text it would show if chosen, a character's last byte token included", () => {
    // 😀 is a token of its first two bytes, then one of its last two: the second completes a character at once.
    const emoji = encodeWhole('😀');
    assert.equal(emoji.length, 2);
    assert.ok(emoji.every((token) => decode([token]).includes('\uFFFD')));
    for (const text of [...multiByte, '😀', 'a😀😀 日本語']) {
      const anchor = encodeWhole('x').at(-1);
      const chosen = new TextStream(decode, [], anchor);
      const offered = new TextStream(decode, [], anchor);
      const alternatives: string[] = [];
      const tokenTexts: string[] = [];
      for (const token of encodeWhole(text)) {
        alternatives.push(...offered.nextTexts([token]));
        offered.push(token);
        tokenTexts.push(...chosen.push(token).tokens);
      }
      tokenTexts.push(...chosen.flush().tokens);
      assert.deepEqual(alternatives, tokenTexts, JSON.stringify(text));
      assert.ok(!alternatives.some((alternative) => loneSurrogate.test(alternative)));
    }
  });

  it('cuts at a stop string inside a run of byte tokens', () => {
    assert.equal(stream('', 'a 日本語 b', ['本語']).map((piece) => piece.text).join(''), 'a 日');
    assert.equal(stream('', 'ok 😀 🎉 done', ['🎉']).map((piece) => piece.text).join(''), 'ok 😀 ');
  });
});
