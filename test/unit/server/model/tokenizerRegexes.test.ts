/**
 * The regexes a tokenizer.json may make Rook run: the text-processing parts of tokenizer files as each family publishes
 * them pass; a regex Rook does not know is refused wherever it hides, since a backtracking one would hang every prompt.
 */
import assert from 'node:assert/strict';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { describe, it } from 'node:test';
import { unknownTokenizerRegex } from '../../../../server/model/tokenizerRegexes';

const byteLevel = { type: 'ByteLevel', add_prefix_space: false, trim_offsets: false, use_regex: false };
const split = (regex: string) => ({ type: 'Split', pattern: { Regex: regex }, behavior: 'Isolated', invert: false });
const bpe = { type: 'BPE', vocab: { a: 0 }, merges: [] };

/** Qwen2.5 / Qwen3 tokenizer.json's pre_tokenizer, as published. */
const qwen = {
  normalizer: { type: 'NFC' },
  pre_tokenizer: { type: 'Sequence', pretokenizers: [split("(?i:'s|'t|'re|'ve|'m|'ll|'d)|[^\\r\\n\\p{L}\\p{N}]?\\p{L}+|\\p{N}| ?[^\\s\\p{L}\\p{N}]+[\\r\\n]*|\\s*[\\r\\n]+|\\s+(?!\\S)|\\s+"), byteLevel] },
  decoder: { type: 'ByteLevel', add_prefix_space: false, trim_offsets: false, use_regex: false },
  model: bpe,
};

/** gpt-oss's (o200k) pre_tokenizer, as published. */
const gptOss = {
  pre_tokenizer: {
    type: 'Sequence',
    pretokenizers: [
      split(
        "[^\\r\\n\\p{L}\\p{N}]?[\\p{Lu}\\p{Lt}\\p{Lm}\\p{Lo}\\p{M}]*[\\p{Ll}\\p{Lm}\\p{Lo}\\p{M}]+(?i:'s|'t|'re|'ve|'m|'ll|'d)?|[^\\r\\n\\p{L}\\p{N}]?[\\p{Lu}\\p{Lt}\\p{Lm}\\p{Lo}\\p{M}]+[\\p{Ll}\\p{Lm}\\p{Lo}\\p{M}]*(?i:'s|'t|'re|'ve|'m|'ll|'d)?|\\p{N}{1,3}| ?[^\\s\\p{L}\\p{N}]+[\\r\\n/]*|\\s*[\\r\\n]+|\\s+(?!\\S)|\\s+",
      ),
      byteLevel,
    ],
  },
  model: bpe,
};

/** DeepSeek-V2's (and DeepSeek-Coder-V2-Lite's) pre_tokenizer begins with these Splits. */
const deepseek = { pre_tokenizer: { type: 'Sequence', pretokenizers: [split('[\r\n]'), split('\\s+$'), byteLevel] }, model: bpe };

/** Granite 3 / OLMoE: digits split, then ByteLevel with its own (built-in) regex. */
const granite = { pre_tokenizer: { type: 'Sequence', pretokenizers: [{ type: 'Digits', individual_digits: true }, { ...byteLevel, use_regex: true }] }, model: bpe };

/** Mistral / Mixtral: a SentencePiece-style tokenizer.json, its patterns plain strings. */
const mixtral = {
  normalizer: { type: 'Sequence', normalizers: [{ type: 'Prepend', prepend: '▁' }, { type: 'Replace', pattern: { String: ' ' }, content: '▁' }] },
  pre_tokenizer: null,
  decoder: { type: 'Sequence', decoders: [{ type: 'Replace', pattern: { String: '▁' }, content: ' ' }, { type: 'ByteFallback' }, { type: 'Fuse' }, { type: 'Strip', content: ' ', start: 1, stop: 0 }] },
  model: bpe,
};

describe('tokenizer regexes', () => {
  it('passes the tokenizers of the supported families as they publish them', () => {
    for (const [name, tokenizer] of Object.entries({ qwen, gptOss, deepseek, granite, mixtral })) assert.equal(unknownTokenizerRegex(tokenizer), undefined, name);
  });

  it("passes the embedded model's tokenizer.json (Rook's SentencePiece conversion, with its whitespace regexes)", () => {
    const file = path.join(__dirname, '../../../../../models/rook-moe-mini/tokenizer.json');
    assert.equal(unknownTokenizerRegex(JSON.parse(fs.readFileSync(file, 'utf8'))), undefined);
  });

  it('refuses a regex it does not know, naming where it is, in any part that runs over text', () => {
    const backtracking = '(a|aa)+$';
    const cases: [object, string][] = [
      [{ ...qwen, pre_tokenizer: { type: 'Sequence', pretokenizers: [split(backtracking), byteLevel] } }, 'pre_tokenizer.pretokenizers.0.pattern'],
      [{ ...qwen, pre_tokenizer: split(backtracking) }, 'pre_tokenizer.pattern'],
      [{ ...mixtral, normalizer: { type: 'Replace', pattern: { Regex: backtracking }, content: '' } }, 'normalizer.pattern'],
      [{ ...mixtral, decoder: { type: 'Sequence', decoders: [{ type: 'Replace', pattern: { Regex: backtracking }, content: '' }] } }, 'decoder.decoders.0.pattern'],
      [{ ...qwen, post_processor: { type: 'Sequence', processors: [{ pattern: { Regex: backtracking } }] } }, 'post_processor.processors.0.pattern'],
    ];
    for (const [tokenizer, where] of cases) {
      const problem = unknownTokenizerRegex(tokenizer) ?? '';
      assert.ok(problem.startsWith(`its ${where} has the regex "(a|aa)+$", which Rook does not run`), `${where}: ${problem}`);
      assert.match(problem, /qwen2, gpt-4o/);
    }
  });

  it('refuses a regex that is not a string, and a known regex changed by one character', () => {
    assert.match(unknownTokenizerRegex({ pre_tokenizer: { pattern: { Regex: ['\\s+'] } } }) ?? '', /has the regex \["\\\\s\+"\]/);
    const changed = { ...qwen, pre_tokenizer: { type: 'Sequence', pretokenizers: [split("(?i:'s|'t|'re|'ve|'m|'ll|'d)|[^\\r\\n\\p{L}\\p{N}]?\\p{L}+|\\p{N}+| ?[^\\s\\p{L}\\p{N}]+[\\r\\n]*|\\s*[\\r\\n]+|\\s+(?!\\S)|\\s+"), byteLevel] } };
    assert.notEqual(unknownTokenizerRegex(changed), undefined);
  });

  it('does not look for regexes in the vocabulary, and walks a deeply nested file without overflowing the stack', () => {
    assert.equal(unknownTokenizerRegex({ ...qwen, model: { type: 'BPE', vocab: { Regex: 0 }, merges: [] } }), undefined);
    let nested: object = { Regex: '(x+)+y' };
    for (let depth = 0; depth < 200_000; depth++) nested = { inner: nested };
    const problem = unknownTokenizerRegex({ decoder: nested }) ?? '';
    assert.match(problem, /^its decoder(\.inner)+… has the regex "\(x\+\)\+y"/);
    assert.ok(problem.length < 600, `${problem.length} characters`);
    for (const notObject of [null, 'x', 3, []]) assert.equal(unknownTokenizerRegex(notObject), undefined);
  });
});
