/**
 * GGUF files as people have them: Q4_K, Q5_K, Q6_K (Ollama's and the hubs' usual files) and MXFP4 (gpt-oss's
 * experts), with Q8_0 and Q4_0 alongside. Rook's own encoders write a Mixtral-style model's token embedding in each
 * format (the rest float32); llama.cpp runs the file, Rook converts the same file (decoding the blocks to float32) and
 * runs that graph. llama.cpp looks embedding rows up by decoding their blocks exactly (a quantized matrix product would
 * also quantize the activations and blur the comparison: float parity gaps of 1e-1 for every format, Q8_0 included), so
 * the distributions must agree as closely as the float parity tests': llama.cpp is the judge of what the bytes mean.
 */
import assert from 'node:assert/strict';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { test } from 'node:test';
import { decoderTensorShapes } from '../../server/model/arch/decoder';
import { buildOnnxModel } from '../../server/model/build';
import { readModelConfig, serializeModelConfig } from '../../server/model/config';
import { GgufCheckpoint } from '../../server/model/gguf/import';
import { decodeKQuant, encodeKQuant, kQuantBlocks, type KQuantType } from '../../server/model/gguf/kQuants';
import { writeGgufModel } from '../../server/model/gguf/export';
import { readSafetensors, writeSafetensors } from '../../server/model/safetensors';
import { seededNormal } from '../../server/model/synthetic';
import { tempDir, tinyModelFolder } from './fixtures';
import { tinyMixtral } from './hfCheckpoints';
import { expectLlamaCppParity, seededPrompt } from './llamaParity';

/** K-quant rows are 256 values: every linear layer's input is 256 wide. */
const shape = { ...tinyMixtral, hiddenSize: 256, expertFfnSize: 256, numHeads: 4, numKvHeads: 2, headDim: 64, attentionScale: 1 / 8 };

test('K-quants and MXFP4: decoding what the encoders wrote gives the values back within each format\'s step', () => {
  const normal = seededNormal(5);
  const values = Float32Array.from({ length: 1024 }, () => normal());
  const worst: Record<KQuantType, number> = { Q4_K: 0.25, Q5_K: 0.12, Q6_K: 0.06, MXFP4: 1.1 };
  for (const type of Object.keys(kQuantBlocks) as KQuantType[]) {
    const bytes = encodeKQuant(type, values);
    assert.equal(bytes.length, (values.length / kQuantBlocks[type].elements) * kQuantBlocks[type].bytes);
    const decoded = decodeKQuant(type, bytes, values.length);
    const maxError = Math.max(...Array.from(decoded, (v, i) => Math.abs(v - values[i])));
    assert.ok(maxError < worst[type], `${type}: max error ${maxError}`);
    assert.ok(maxError > 0, `${type}: lossless is not a quantization`);
  }
});

for (const type of ['Q8_0', 'Q4_0', 'Q4_K', 'Q5_K', 'Q6_K', 'MXFP4'] as const) {
  test(`K-quants and MXFP4: a GGUF with a ${type} token embedding converts to the model llama.cpp runs from it`, async () => {
    const { dir } = tinyModelFolder(shape, 29);
    const config = readModelConfig(path.join(dir, 'config.json'));
    const source = path.join(tempDir(`gguf-${type}`), 'model.gguf');
    writeGgufModel(config, readSafetensors(path.join(dir, 'model.safetensors')), dir, path.join(dir, 'tokenizer.json'), source, {}, ({ name }) => (name === 'token_embd.weight' ? type : 'F32'));
    // Rook's reading of the file, as a folder whose graph scores every position (for the comparison).
    const gguf = GgufCheckpoint.open(source);
    const out = tempDir(`from-${type}`);
    fs.writeFileSync(path.join(out, 'config.json'), JSON.stringify(serializeModelConfig(gguf.config)));
    fs.writeFileSync(path.join(out, 'tokenizer.json'), JSON.stringify(gguf.tokenizerJson));
    writeSafetensors(path.join(out, 'model.safetensors'), new Map([...decoderTensorShapes(gguf.config).keys()].map((name) => [name, gguf.weights.get(name)!])));
    buildOnnxModel(out, { logitRows: 'all' });
    fs.copyFileSync(source, path.join(out, 'model.gguf'));
    await expectLlamaCppParity(type, out, gguf.config, seededPrompt(config, 29), { prob: 5e-3, logProb: 5e-2 });
  });
}
