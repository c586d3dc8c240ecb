/** A model folder's tokenizer.json, loaded with `@huggingface/tokenizers` once its regexes and ids are checked. */
import * as fs from 'node:fs';
import { tokenizerFitProblem } from '../../model/tokenizerFit';
import { unknownTokenizerRegex } from '../../model/tokenizerRegexes';
import { EngineError } from '../engine';
import type { TokenizerJson } from './lineTokenizer';

type TokenizersModule = typeof import('@huggingface/tokenizers', { with: { 'resolution-mode': 'import' } });
type Tokenizer = InstanceType<TokenizersModule['Tokenizer']>;
// The package ships a CommonJS build (its `require` export) but declares its types as ESM only.
const { Tokenizer } = require('@huggingface/tokenizers') as TokenizersModule;

/** Text to token ids and back, as the engine uses a tokenizer: no special tokens added, code spaced exactly. */
export interface TextCodec {
  encode(text: string): number[];
  decode(ids: readonly number[]): string;
}

/**
 * `tokenizer` as a `TextCodec`. Decoding skips ids the file has no token for: a model's vocabulary is often padded
 * past its tokenizer's (Qwen's 151,936 rows for 151,665 tokens), the model can pick such an id, and the library's
 * decoders throw on one (a `Replace` step reads its text), which mid-answer, or in the engine's idle pass over every
 * id, would end the process.
 */
function codecOf(tokenizer: Tokenizer): TextCodec {
  return {
    encode: (text) => tokenizer.encode(text, { add_special_tokens: false }).ids,
    decode: (ids) => tokenizer.decode(ids.filter((id) => typeof tokenizer.id_to_token(id) === 'string')),
  };
}

/** Code as the engine meets it: indentation, a tab, CRLF, accents, CJK and an emoji. */
const trialText = 'def añadir(a, b):\n\treturn a + b  # 数据 😀\r\n';

/** The tokenizer at `file`, for a model of `vocabSize` tokens; an `EngineError` saying what is wrong with it otherwise. */
export function readTokenizerFile(file: string, vocabSize: number): { tokenizer: TextCodec; json: TokenizerJson } {
  let json: TokenizerJson;
  try {
    json = JSON.parse(fs.readFileSync(file, 'utf8')) as TokenizerJson;
  } catch (error) {
    const reason = (error as NodeJS.ErrnoException).code ?? (error as Error).message;
    throw new EngineError(`${file}: cannot load the tokenizer (${reason})`, false);
  }
  const problem = unknownTokenizerRegex(json) ?? tokenizerFitProblem(json, vocabSize);
  if (problem) throw new EngineError(`${file}: ${problem}`, false);
  try {
    // No clean-up of spaces before punctuation on decode: code must come back exactly as tokenized.
    const tokenizer = codecOf(new Tokenizer(json as object, { clean_up_tokenization_spaces: false }));
    // Some of the file's parts (a decoder's missing field, say) fail only in use: try them now, not mid-answer.
    tokenizer.decode(tokenizer.encode(trialText));
    return { tokenizer, json };
  } catch (error) {
    throw new EngineError(`${file}: not a usable tokenizer.json (${(error as Error).message})`, false);
  }
}
