/**
 * Fill-in-the-middle and stop tokens found in tokenizer files laid out as each family publishes them: tokenizer.json's
 * `added_tokens` entries (ids, flags and order as released, vocabularies cut to a few pieces) and tokenizer_config.json's
 * `added_tokens_decoder` and `eos_token`.
 */
import assert from 'node:assert/strict';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { describe, it } from 'node:test';
import { fimTokens, TokenizerFileError } from '../../../../../server/model/import/fimTokens';

/** An `added_tokens` entry as the tokenizers library writes it. */
const added = (id: number, content: string, special = true) => ({ id, content, single_word: false, lstrip: false, rstrip: false, normalized: false, special });

/** A byte-level BPE tokenizer.json (Qwen2's, GPT-2's layout) around `addedTokens`; the vocabulary cut to a few pieces. */
function byteLevelTokenizer(addedTokens: object[]) {
  const byteLevel = { type: 'ByteLevel', add_prefix_space: false, trim_offsets: false, use_regex: false };
  return {
    version: '1.0',
    truncation: null,
    padding: null,
    added_tokens: addedTokens,
    normalizer: { type: 'NFC' },
    pre_tokenizer: { type: 'Sequence', pretokenizers: [{ type: 'Split', pattern: { Regex: "(?i:'s|'t|'re|'ve|'m|'ll|'d)|[^\\r\\n\\p{L}\\p{N}]?\\p{L}+|\\p{N}| ?[^\\s\\p{L}\\p{N}]+[\\r\\n]*|\\s*[\\r\\n]+|\\s+(?!\\S)|\\s+" }, behavior: 'Isolated', invert: false }, byteLevel] },
    post_processor: byteLevel,
    decoder: byteLevel,
    model: { type: 'BPE', dropout: null, unk_token: null, continuing_subword_prefix: '', end_of_word_suffix: '', fuse_unk: false, byte_fallback: false, ignore_merges: false, vocab: { '!': 0, '"': 1, '#': 2, ĠĠ: 256, in: 258 }, merges: [['Ġ', 'Ġ'], ['i', 'n']] },
  };
}

/** Qwen2.5's added tokens (Qwen2.5-Coder, Qwen2-MoE's successors), then the four Qwen3 added; FIM and tool tokens are not special. */
const qwenAdded = [
  added(151643, '<|endoftext|>'),
  added(151644, '<|im_start|>'),
  added(151645, '<|im_end|>'),
  ...['<|object_ref_start|>', '<|object_ref_end|>', '<|box_start|>', '<|box_end|>', '<|quad_start|>', '<|quad_end|>', '<|vision_start|>', '<|vision_end|>', '<|vision_pad|>', '<|image_pad|>', '<|video_pad|>'].map((content, i) => added(151646 + i, content)),
  ...['<tool_call>', '</tool_call>', '<|fim_prefix|>', '<|fim_middle|>', '<|fim_suffix|>', '<|fim_pad|>', '<|repo_name|>', '<|file_sep|>', '<tool_response>', '</tool_response>', '<think>', '</think>'].map((content, i) => added(151657 + i, content, false)),
];

/** tokenizer_config.json's `added_tokens_decoder` for the same tokens. */
const decoderOf = (tokens: ReturnType<typeof added>[]) => Object.fromEntries(tokens.map(({ id, ...rest }) => [String(id), { content: rest.content, lstrip: false, normalized: false, rstrip: false, single_word: false, special: rest.special }]));

describe('fimTokens', () => {
  it("Qwen3 and Qwen2.5-Coder: <|fim_prefix|> <|fim_suffix|> <|fim_middle|>, stopping at end of text, end of turn and FIM's separators", () => {
    const found = fimTokens(byteLevelTokenizer(qwenAdded), { added_tokens_decoder: decoderOf(qwenAdded), bos_token: null, eos_token: '<|im_end|>', pad_token: '<|endoftext|>' });
    assert.deepEqual(found.fim, { prefix: 151659, suffix: 151661, middle: 151660 });
    assert.deepEqual(found.stop, [151643, 151645, 151662, 151663, 151664]);
  });

  it('DeepSeek-Coder: <｜fim▁begin｜> is the prefix marker, <｜fim▁hole｜> the suffix one, <｜fim▁end｜> the middle one', () => {
    // deepseek-coder's ids; DeepSeek-Coder-V2 spells its markers the same way.
    const deepSeekAdded = [
      added(32013, '<｜begin▁of▁sentence｜>'),
      added(32014, '<｜end▁of▁sentence｜>'),
      added(32015, '<｜fim▁hole｜>', false),
      added(32016, '<｜fim▁begin｜>', false),
      added(32017, '<｜fim▁end｜>', false),
      added(32018, '<pad>', false),
      added(32019, '<|User|>', false),
      added(32020, '<|Assistant|>', false),
      added(32021, '<|EOT|>', true),
    ];
    const found = fimTokens(byteLevelTokenizer(deepSeekAdded), { bos_token: { content: '<｜begin▁of▁sentence｜>' }, eos_token: { content: '<｜end▁of▁sentence｜>' } });
    assert.deepEqual(found.fim, { prefix: 32016, suffix: 32015, middle: 32017 });
    assert.deepEqual(found.stop, [32014, 32021]);
  });

  it("Granite 3.x: StarCoder's <fim_prefix> <fim_suffix> <fim_middle> with <|end_of_text|>; Granite 4: Qwen's spellings", () => {
    const granite3Added = [
      ...['<|end_of_text|>', '<fim_prefix>', '<fim_middle>', '<fim_suffix>', '<fim_pad>', '<filename>', '<gh_stars>', '<issue_start>', '<issue_comment>', '<issue_closed>', '<jupyter_start>', '<jupyter_text>', '<jupyter_code>', '<jupyter_output>', '<empty_output>', '<commit_before>', '<commit_msg>', '<commit_after>', '<reponame>'].map((content, id) => added(id, content)),
      ...['<|start_of_role|>', '<|end_of_role|>', '<|tool_call|>'].map((content, i) => added(49152 + i, content)),
    ];
    const granite3 = fimTokens(byteLevelTokenizer(granite3Added), { added_tokens_decoder: decoderOf(granite3Added), bos_token: '<|end_of_text|>', eos_token: '<|end_of_text|>' });
    assert.deepEqual(granite3.fim, { prefix: 1, suffix: 3, middle: 2 });
    assert.deepEqual(granite3.stop, [0, 4, 18]);

    const granite4Added = [added(100256, '<|pad|>'), added(100257, '<|end_of_text|>'), added(100258, '<|fim_prefix|>', false), added(100259, '<|fim_middle|>', false), added(100260, '<|fim_suffix|>', false)];
    assert.deepEqual(fimTokens(byteLevelTokenizer(granite4Added)), { fim: { prefix: 100258, suffix: 100260, middle: 100259 }, stop: [100257] });
  });

  it("CodeLlama: ▁<PRE> ▁<SUF> ▁<MID> and ▁<EOT> are pieces of the model's vocabulary, not added tokens", () => {
    const codeLlama = {
      added_tokens: [added(0, '<unk>'), added(1, '<s>'), added(2, '</s>')],
      model: { type: 'BPE', byte_fallback: true, vocab: { '<unk>': 0, '<s>': 1, '</s>': 2, '<0x00>': 3, '▁▁': 259, '▁<PRE>': 32007, '▁<SUF>': 32008, '▁<MID>': 32009, '▁<EOT>': 32010 }, merges: ['▁ ▁'] },
    };
    assert.deepEqual(fimTokens(codeLlama, { bos_token: '<s>', eos_token: '</s>' }), { fim: { prefix: 32007, suffix: 32008, middle: 32009 }, stop: [2, 32010] });
  });

  it("the embedded model: its FIM pieces are the ones its config.json names", () => {
    const dir = path.resolve(__dirname, '..', '..', '..', '..', '..', '..', 'models', 'rook-moe-mini');
    const config = JSON.parse(fs.readFileSync(path.join(dir, 'config.json'), 'utf8'));
    const found = fimTokens(JSON.parse(fs.readFileSync(path.join(dir, 'tokenizer.json'), 'utf8')));
    assert.deepEqual(found.fim, { prefix: config.fim_prefix_token_id, suffix: config.fim_suffix_token_id, middle: config.fim_middle_token_id });
    assert.deepEqual(found.stop, [config.eos_token_id]);
  });

  it('a tokenizer without a complete set of markers has none; its eos_token still stops', () => {
    const mixtral = { added_tokens: [added(0, '<unk>'), added(1, '<s>'), added(2, '</s>')], model: { type: 'BPE', vocab: { '<unk>': 0, '<s>': 1, '</s>': 2 }, merges: [] } };
    assert.deepEqual(fimTokens(mixtral, { eos_token: '</s>' }), { fim: undefined, stop: [2] });
    const halfSet = byteLevelTokenizer([added(5, '<|fim_prefix|>'), added(6, '<|fim_middle|>'), added(7, '<fim_suffix>')]);
    assert.deepEqual(fimTokens(halfSet), { fim: undefined, stop: [] });
  });

  it("tokenizer.json's added token wins over tokenizer_config.json's and the vocabulary's, as the tokenizer encodes it", () => {
    const tokenizer = byteLevelTokenizer([added(10, '<|fim_prefix|>'), added(11, '<|fim_suffix|>')]);
    tokenizer.model.vocab = { ...tokenizer.model.vocab, ...{ '<|fim_prefix|>': 90, '<|fim_middle|>': 92 } };
    const found = fimTokens(tokenizer, { added_tokens_decoder: { '80': { content: '<|fim_prefix|>' }, '81': { content: '<|fim_middle|>' } } });
    assert.deepEqual(found.fim, { prefix: 10, suffix: 11, middle: 81 });
  });
});

describe('fimTokens on hostile files', () => {
  const refused = (tokenizer: unknown, config: unknown, message: RegExp) =>
    assert.throws(() => fimTokens(tokenizer, config), (error: unknown) => error instanceof TokenizerFileError && message.test(error.message));

  it('refuses malformed entries with an error naming the file and the entry', () => {
    refused(null, undefined, /^tokenizer\.json: expected a JSON object/);
    refused({ added_tokens: {} }, undefined, /^tokenizer\.json: "added_tokens" must be a list/);
    refused({ added_tokens: [added(1, 'a'), null] }, undefined, /"added_tokens"\[1\] must be an object/);
    refused({ added_tokens: [{ id: 3 }] }, undefined, /"added_tokens"\[0\] has no string "content"/);
    for (const id of ['7', -1, 1.5, 1e300, null, Number.MAX_SAFE_INTEGER]) refused({ added_tokens: [{ id, content: '<|fim_prefix|>' }] }, undefined, /"added_tokens"\[0\]\.id must be a token id/);
    refused({}, [], /^tokenizer_config\.json: expected a JSON object/);
    refused({}, { added_tokens_decoder: [] }, /^tokenizer_config\.json: "added_tokens_decoder" must be an object/);
    for (const key of ['007', '1e3', '-1', '__proto__', ' 5', '99999999999']) refused({}, { added_tokens_decoder: { [key]: { content: 'x' } } }, /the key must be a token id/);
    refused({}, { added_tokens_decoder: { '5': 'x' } }, /has no string "content"/);
    refused({ model: { vocab: { '<|fim_prefix|>': 'one' } } }, undefined, /the vocabulary's "<\|fim_prefix\|>" must be a token id/);
    refused({ added_tokens: [added(4, '<|fim_prefix|>'), added(4, '<|fim_suffix|>'), added(5, '<|fim_middle|>')] }, undefined, /must have three different ids/);
  });

  it("ignores what it does not look up: an unrelated piece's odd id, a spelling that names Object.prototype's members", () => {
    const tokenizer = { added_tokens: [added(9, '__proto__'), added(10, 'constructor')], model: { vocab: JSON.parse('{"__proto__": "x", "toString": [], "<|endoftext|>": 4}') } };
    assert.deepEqual(fimTokens(tokenizer, { eos_token: 'constructor' }), { fim: undefined, stop: [4, 10] });
  });

  it('a list longer than any vocabulary is refused before it is read; a real-sized one is read in one pass', () => {
    // Arrays that count how often their entries are read.
    let reads = 0;
    const counted = <T>(items: T[]) =>
      new Proxy(items, {
        get(target, key, receiver) {
          if (typeof key === 'string' && /^\d+$/.test(key)) reads++;
          return Reflect.get(target, key, receiver);
        },
      });
    const long = counted(new Array(2 ** 22 + 1));
    refused({ added_tokens: long }, undefined, /"added_tokens" has 4194305 entries/);
    refused({ model: { vocab: long } }, undefined, /the vocabulary has 4194305 entries/);
    assert.equal(reads, 0, 'refused on its length, before reading an entry');

    const many = Array.from({ length: 300_000 }, (_, id) => ({ id, content: `<extra_${id}>` }));
    many.push({ id: 300_000, content: '<|fim_prefix|>' }, { id: 300_001, content: '<|fim_suffix|>' }, { id: 300_002, content: '<|fim_middle|>' });
    const decoder = Object.fromEntries(many.map(({ id, content }) => [String(id), { content }]));
    const unigramVocab = many.map(({ content }) => [content, 0]);
    reads = 0;
    assert.deepEqual(fimTokens({ added_tokens: counted(many), model: { vocab: counted(unigramVocab) } }, { added_tokens_decoder: decoder }).fim, { prefix: 300_000, suffix: 300_001, middle: 300_002 });
    assert.ok(reads <= 2 * (many.length + unigramVocab.length), `${reads} reads of ${many.length + unigramVocab.length} entries: each is read a bounded number of times, not once per FIM token searched`);
  });
});
