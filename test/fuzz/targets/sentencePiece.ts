/**
 * SentencePiece `tokenizer.model`: parsed and converted to tokenizer.json, as `rook convert` does for a checkpoint
 * that ships only SentencePiece's model. Seeds: BPE and Unigram models written by SentencePiece itself
 * (test/fixtures/sentencepiece/make_fixtures.py).
 */
import * as fs from 'node:fs';
import * as path from 'node:path';
import { ModelFileError } from '../../../server/model/fileError';
import { parseSentencePieceModel, sentencePieceToTokenizerJson } from '../../../server/model/import/sentencepiece';
import type { FuzzTarget } from '../target';

const fixtures = path.resolve(__dirname, '..', '..', '..', '..', 'test', 'fixtures', 'sentencepiece');

export const target: FuzzTarget = {
  seeds: () => ['fuzz-seed-bpe.model', 'fuzz-seed-unigram.model'].map((name) => fs.readFileSync(path.join(fixtures, name))),
  run(input) {
    sentencePieceToTokenizerJson(parseSentencePieceModel(input, 'tokenizer.model'));
    return 'accepted';
  },
  ownError: (error) => error instanceof ModelFileError,
  // tokenizer.json holds each piece once or twice more (vocabulary and merges) in UTF-16 strings and objects.
  expansion: 8,
};
