/**
 * GGUF: the file as `rook convert` opens one (header, metadata, vocabulary, config, every tensor's shape), then every
 * tensor's data decoded. Seeds: a tiny Grok model exported by llama.cpp's layout in F32, Q8_0 and Q4_0; a Qwen3-MoE
 * one with a byte-level (`gpt2`) vocabulary and MXFP4 linear layers; a Mixtral-style one with K-quant (Q4_K, Q5_K,
 * Q6_K) tensors, whose rows are one 256-value block.
 */
import * as fs from 'node:fs';
import * as path from 'node:path';
import { decoderTensorShapes } from '../../../server/model/arch/decoder';
import { ModelFileError } from '../../../server/model/fileError';
import { readModelConfig } from '../../../server/model/config';
import { writeGgufModel, type TensorTypeChoice } from '../../../server/model/gguf/export';
import { GgufCheckpoint } from '../../../server/model/gguf/import';
import { readSafetensors } from '../../../server/model/safetensors';
import { modelFiles } from '../../../server/model/modelFiles';
import { qwenStyleTokenizer } from '../../engine/byteLevelTokenizer';
import { tinyModelFolder } from '../../engine/fixtures';
import { hfFamilyCheckpoint, tinyMixtral, tinyQwen3Moe } from '../../engine/hfCheckpoints';
import type { FuzzTarget } from '../target';
import { scratchFile } from './scratchFile';
import { seedShape } from './seedShape';

const write = scratchFile('model.gguf');

/** A model folder's weights written as a GGUF with each tensor of the type `typeOf` picks. */
function ggufOf(dir: string, typeOf: TensorTypeChoice): Buffer {
  const out = path.join(dir, 'typed.gguf');
  writeGgufModel(readModelConfig(path.join(dir, modelFiles.config)), readSafetensors(path.join(dir, modelFiles.weights)), dir, path.join(dir, modelFiles.tokenizer), out, {}, typeOf);
  return fs.readFileSync(out);
}

const kQuants = ['Q4_K', 'Q5_K', 'Q6_K'] as const;

export const target: FuzzTarget = {
  seeds: () => [
    ...(['none', 'int8', 'int4'] as const).map((quant) => {
      const { dir } = tinyModelFolder({ ...seedShape, routerRenormalize: true }, 5, { gguf: true, quant });
      return fs.readFileSync(path.join(dir, modelFiles.gguf));
    }),
    ggufOf(hfFamilyCheckpoint({ ...tinyQwen3Moe, ...seedShape, headDim: 16, attentionScale: 0.25 }, 5, qwenStyleTokenizer()).direct, ({ linear }) => (linear ? 'MXFP4' : 'F32')),
    ggufOf(tinyModelFolder({ ...tinyMixtral, ...seedShape, hiddenSize: 256, expertFfnSize: 256, numHeads: 4, headDim: 64, attentionScale: 1 / 8 }, 5).dir, ({ name, linear }) =>
      linear ? kQuants[name.length % kQuants.length] : name === 'token_embd.weight' ? 'Q4_K' : 'F32',
    ),
  ],
  run(input) {
    const checkpoint = GgufCheckpoint.open(write(input));
    for (const [name] of decoderTensorShapes(checkpoint.config)) void checkpoint.weights.get(name)?.data;
    return 'accepted';
  },
  ownError: (error) => error instanceof ModelFileError,
  // MXFP4, the densest format read: 32 float32 weights (128 bytes) from a 17-byte block.
  expansion: 128 / 17,
};
