/**
 * Synthetic models: seeded random weights and a small SentencePiece-style tokenizer, written as a complete model
 * folder. Tests use them as fixtures and benchmarks as Grok-shaped stand-ins; the math is the real model's.
 */
import * as fs from 'node:fs';
import * as path from 'node:path';
import { decoderTensorShapes } from './arch/decoder';
import { serializeModelConfig, type ModelConfig } from './config';
import { writeSafetensors } from './safetensors';
import { elementCount, type Weights } from './tensor';

/** Deterministic standard-normal samples (mulberry32 + Box–Muller). */
export function seededNormal(seed: number): () => number {
  let state = seed >>> 0;
  const uniform = () => {
    state = (state + 0x6d2b79f5) >>> 0;
    let t = state;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return (((t ^ (t >>> 14)) >>> 0) + 0.5) / 4294967296;
  };
  return () => Math.sqrt(-2 * Math.log(uniform())) * Math.cos(2 * Math.PI * uniform());
}

/**
 * Random weights: norm scales near 1, biases near 0, linear layers with unit-variance outputs, and an embedding table wide
 * enough that next-token distributions are peaked (so greedy decoding has clear winners, as a trained model does).
 */
export function randomDecoderWeights(config: ModelConfig, seed: number): Weights {
  const normal = seededNormal(seed);
  const weights: Weights = new Map();
  for (const [name, shape] of decoderTensorShapes(config)) {
    const data = new Float32Array(elementCount(shape));
    const isBias = name.endsWith('.bias');
    const isNorm = shape.length === 1 && !isBias;
    const std = isNorm || isBias ? 0.1 : name.includes('embed') || name.startsWith('lm_head') ? 1 : 1 / Math.sqrt(shape[1]);
    for (let i = 0; i < data.length; i++) data[i] = (isNorm ? 1 : 0) + std * normal();
    weights.set(name, { shape, data });
  }
  return weights;
}

const specialTokens = ['<pad>', '<s>', '</s>'];
const characters = [...'▁abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789.,;:(){}[]=+-*/<>_"\'!?#'];
const words = ['▁the', '▁function', '▁return', '▁const', '▁let', '▁if', '▁else', 'ing', '▁for', 'tion', '▁in', '▁is', 'er', '▁and'];

/** A tokenizer in the Hugging Face `tokenizer.json` format, laid out as SentencePiece does: 3 control tokens,
 *  256 byte-fallback tokens `<0xNN>`, then text pieces built by BPE merges. Its size is the model's vocabulary. */
export function syntheticTokenizer(): { json: object; vocabSize: number } {
  const pieces = [...specialTokens];
  for (let byte = 0; byte < 256; byte++) pieces.push(`<0x${byte.toString(16).toUpperCase().padStart(2, '0')}>`);
  pieces.push(...characters);
  const merges: string[] = [];
  for (const word of words) {
    const chars = [...word];
    let prefix = chars[0];
    for (const next of chars.slice(1)) {
      const merged = prefix + next;
      if (!pieces.includes(merged)) {
        pieces.push(merged);
        merges.push(`${prefix} ${next}`);
      }
      prefix = merged;
    }
  }
  const json = {
    version: '1.0',
    truncation: null,
    padding: null,
    added_tokens: specialTokens.map((content, id) => ({ id, content, single_word: false, lstrip: false, rstrip: false, normalized: false, special: true })),
    normalizer: {
      type: 'Sequence',
      normalizers: [
        { type: 'Prepend', prepend: '▁' },
        { type: 'Replace', pattern: { String: ' ' }, content: '▁' },
      ],
    },
    pre_tokenizer: null,
    post_processor: null,
    decoder: {
      type: 'Sequence',
      decoders: [
        { type: 'Replace', pattern: { String: '▁' }, content: ' ' },
        { type: 'ByteFallback' },
        { type: 'Fuse' },
        { type: 'Strip', content: ' ', start: 1, stop: 0 },
      ],
    },
    model: {
      type: 'BPE',
      dropout: null,
      unk_token: null,
      continuing_subword_prefix: null,
      end_of_word_suffix: null,
      fuse_unk: true,
      byte_fallback: true,
      vocab: Object.fromEntries(pieces.map((piece, id) => [piece, id])),
      merges,
    },
  };
  return { json, vocabSize: pieces.length };
}

export type SyntheticShape = Omit<ModelConfig, 'vocabSize'>;

/** Writes `config.json`, `model.safetensors` and `tokenizer.json` into `dir`; returns the config. */
export function writeSyntheticModelFolder(dir: string, shape: SyntheticShape, seed: number): ModelConfig {
  const tokenizer = syntheticTokenizer();
  const config: ModelConfig = { ...shape, vocabSize: tokenizer.vocabSize };
  fs.mkdirSync(dir, { recursive: true });
  fs.writeFileSync(path.join(dir, 'config.json'), JSON.stringify(serializeModelConfig(config), null, 2));
  fs.writeFileSync(path.join(dir, 'tokenizer.json'), JSON.stringify(tokenizer.json));
  writeSafetensors(path.join(dir, 'model.safetensors'), randomDecoderWeights(config, seed));
  return config;
}
