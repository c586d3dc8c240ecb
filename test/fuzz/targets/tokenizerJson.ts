/**
 * `tokenizer.json`: loaded as the local engine loads a model folder's (regexes checked, `@huggingface/tokenizers`
 * built and tried), then other code encoded and decoded as a completion would be. Seeds: a byte-level BPE tokenizer laid out
 * as Qwen2's (Split regex, ByteLevel, added tokens) and SentencePiece BPE and Unigram models converted to tokenizer.json.
 */
import * as path from 'node:path';
import { EngineError } from '../../../server/engines/engine';
import { readTokenizerFile } from '../../../server/engines/local/tokenizerFile';
import { convertSentencePieceFile } from '../../../server/model/import/sentencepiece';
import { qwenStyleTokenizer } from '../../engine/byteLevelTokenizer';
import type { FuzzTarget } from '../target';
import { scratchFile } from './scratchFile';

const write = scratchFile('tokenizer.json');
const fixtures = path.resolve(__dirname, '..', '..', '..', '..', 'test', 'fixtures', 'sentencepiece');
/** The seeds' vocabularies are smaller: the ids past theirs stand for a model's padded rows. */
const vocabSize = 1024;
const sample = '  const total = items.reduce((sum, x) => sum + x, 0);\n\n// ß ∑ ☀\n';

export const target: FuzzTarget = {
  seeds: () =>
    [qwenStyleTokenizer().json, ...['fuzz-seed-bpe.model', 'fuzz-seed-unigram.model'].map((name) => convertSentencePieceFile(path.join(fixtures, name)))].map((json) =>
      Buffer.from(JSON.stringify(json, null, 1)),
    ),
  run(input) {
    const { tokenizer } = readTokenizerFile(write(input), vocabSize);
    const ids = tokenizer.encode(sample);
    // And every id the model could pick, as the engine's idle pass over the vocabulary decodes them.
    for (let id = 0; id < vocabSize; id++) tokenizer.decode([...ids.slice(0, 2), id]);
    return 'accepted';
  },
  ownError: (error) => error instanceof EngineError,
  // The library holds each vocabulary entry and merge in maps of UTF-16 strings.
  expansion: 8,
};
