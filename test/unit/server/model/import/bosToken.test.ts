import assert from 'node:assert/strict';
import { test } from 'node:test';
import { addsBosToken } from '../../../../../server/model/import/bosToken';

/** Llama 3 / Mixtral style: a template that puts the BOS special token before the text. */
const llamaStyle = {
  pre_tokenizer: { type: 'Sequence', pretokenizers: [{ type: 'Split' }, { type: 'ByteLevel' }] },
  post_processor: { type: 'Sequence', processors: [{ type: 'ByteLevel' }, { type: 'TemplateProcessing', single: [{ SpecialToken: { id: '<|begin_of_text|>', type_id: 0 } }, { Sequence: { id: 'A', type_id: 0 } }] }] },
  decoder: { type: 'ByteLevel' },
};

/** Qwen2/Qwen3 style: byte-level, with a ByteLevel post-processor and no template. */
const qwenStyle = {
  pre_tokenizer: { type: 'Sequence', pretokenizers: [{ type: 'Split' }, { type: 'ByteLevel', add_prefix_space: false, use_regex: false }] },
  post_processor: { type: 'ByteLevel', add_prefix_space: false, trim_offsets: false, use_regex: false },
  decoder: { type: 'ByteLevel' },
};

/** A SentencePiece-converted tokenizer (Mixtral's tokenizer.json without a template, the embedded model's). */
const sentencePieceStyle = { normalizer: { type: 'Sequence' }, pre_tokenizer: null, post_processor: null, decoder: { type: 'Sequence', decoders: [{ type: 'Replace' }, { type: 'ByteFallback' }] } };

test('BOS: a template with a leading special token adds it; a byte-level tokenizer without one adds none; SentencePiece keeps the config', () => {
  assert.equal(addsBosToken(llamaStyle, undefined), true);
  assert.equal(addsBosToken(qwenStyle, undefined), false);
  assert.equal(addsBosToken({ ...qwenStyle, post_processor: null }, undefined), false);
  assert.equal(addsBosToken(sentencePieceStyle, undefined), undefined);
  // A template that starts with the text adds nothing before it.
  assert.equal(addsBosToken({ post_processor: { type: 'TemplateProcessing', single: [{ Sequence: { id: 'A' } }, { SpecialToken: { id: '</s>' } }] } }, undefined), false);
});

test("BOS: tokenizer_config.json's add_bos_token decides when it says", () => {
  assert.equal(addsBosToken(qwenStyle, { add_bos_token: true }), true);
  assert.equal(addsBosToken(llamaStyle, { add_bos_token: false }), false);
  assert.equal(addsBosToken(llamaStyle, { add_bos_token: 'yes' }), true);
});

test('BOS: malformed or hostile files give no answer or a bounded one, never a throw', () => {
  for (const tokenizer of [null, 7, [], { post_processor: 'x' }, { post_processor: { type: 'TemplateProcessing', single: 'x' } }]) assert.doesNotThrow(() => addsBosToken(tokenizer, null));
  const deep = { post_processor: { type: 'Sequence', processors: Array.from({ length: 1_000_000 }, () => ({ type: 'ByteLevel' })) } };
  assert.equal(addsBosToken(deep, undefined), undefined);
  // Sequences inside sequences, eight wide: walked one level down only, not 8^depth.
  let nested: unknown = { type: 'TemplateProcessing', single: [{ SpecialToken: { id: '<s>' } }] };
  for (let depth = 0; depth < 40; depth++) nested = { type: 'Sequence', processors: Array.from({ length: 8 }, () => nested) };
  assert.equal(addsBosToken({ post_processor: nested }, undefined), undefined);
});
