/**
 * GGUF files as people have them: Q4_K, Q5_K, Q6_K (Ollama's and the hubs' usual files) and MXFP4 (gpt-oss's
 * experts), with Q8_0 and Q4_0 alongside. Rook's own encoders write a Mixtral-style model's token embedding in each
 * format (the rest float32); llama.cpp runs the file, Rook converts the same file (decoding the blocks to float32) and
 * runs that graph. llama.cpp looks embedding rows up by decoding their blocks exactly (a quantized matrix product would
 * also quantize the activations and blur the comparison: float parity gaps of 1e-1 for every format, Q8_0 included), so
 * the distributions must agree as closely as the float parity tests': llama.cpp is the judge of what the bytes mean.
 * And each format's blocks laid out for ONNX Runtime as they are (`exactBlocks.ts`) multiply by those decoded values.
 */
import assert from 'node:assert/strict';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { test } from 'node:test';
import * as ort from 'onnxruntime-node';
import { decoderTensorShapes } from '../../server/model/arch/decoder';
import { buildOnnxModel } from '../../server/model/build';
import { readModelConfig, serializeModelConfig } from '../../server/model/config';
import { GgufCheckpoint } from '../../server/model/gguf/import';
import { matMulNBitsWeight } from '../../server/model/gguf/exactBlocks';
import { ElementType, GraphBuilder } from '../../server/model/onnx/graphBuilder';
import { readGraphWeights } from '../../server/model/onnx/initializers';
import { linear } from '../../server/model/onnx/layers';
import { dequantize, fromGgmlBlocks, quantizeRows, toGgmlBlocks } from '../../server/model/quant';
import type { FloatTensor } from '../../server/model/tensor';
import { decodeKQuant, encodeKQuant, kQuantBlocks, type KQuantType } from '../../server/model/gguf/kQuants';
import { writeGgufModel } from '../../server/model/gguf/export';
import { readSafetensors, writeSafetensors } from '../../server/model/safetensors';
import { seededNormal } from '../../server/model/synthetic';
import { tinyModelFolder } from './fixtures';
import { tempDir } from '../support/tempDir';
import { tinyMixtral } from './hfCheckpoints';
import { expectLlamaCppParity, seededPrompt } from './llamaParity';

/** K-quant rows are 256 values: every linear layer's input is 256 wide. */
/** Values for `blocks` 256-value blocks, with edge sub-blocks: a constant negative one (Q4_K/Q5_K's sc = 0), a zero one. */
function edgeValues(blocks: number, seed: number): Float32Array {
  const normal = seededNormal(seed);
  const values = Float32Array.from({ length: blocks * 256 }, (_, i) => normal() * (1 + (i % 3)));
  values.fill(-0.75, 32, 64);
  values.fill(0, 64, 96);
  return values;
}

/** The blocks of `type` for `values` as a GGUF import hands them over: bytes beside the decoded float32 values. */
function fileTensor(type: 'Q8_0' | 'Q4_0' | KQuantType, values: Float32Array, shape: number[], edit?: (bytes: Uint8Array) => void): FloatTensor {
  const bytes = type === 'Q8_0' || type === 'Q4_0' ? toGgmlBlocks(quantizeRows({ shape, data: values }, type === 'Q8_0' ? 8 : 4, 'w')) : encodeKQuant(type, values);
  edit?.(bytes);
  const data = type === 'Q8_0' || type === 'Q4_0' ? dequantize(fromGgmlBlocks(bytes, type === 'Q8_0' ? 8 : 4, shape)).data : decodeKQuant(type, bytes, values.length);
  return { shape, data, blocks: { type, bytes: () => bytes } };
}

/** MXFP4's largest exponent byte (2^(254-127)) on ±0.5 and 0, which float32 holds, in the first block. */
const largestExponent = (bytes: Uint8Array) => {
  bytes[0] = 254;
  bytes.fill(0x91, 1, 17);
};

for (const type of ['Q8_0', 'Q4_0', 'Q4_K', 'Q5_K', 'Q6_K', 'MXFP4'] as const) {
  test(`exact GGUF blocks: ONNX Runtime's MatMulNBits of a ${type} weight multiplies by the file's decoded values`, async () => {
    const [n, k] = [8, 512];
    const weight = fileTensor(type, edgeValues((n * k) / 256, 11), [n, k], type === 'MXFP4' ? largestExponent : undefined);
    const layout = matMulNBitsWeight(weight, type === 'Q4_0' || type === 'Q4_K' ? 4 : 8, 'w');
    assert.equal(layout.blockSize, type === 'Q6_K' ? 16 : 32, 'the file\'s own blocks, not a re-quantization');
    assert.equal(layout.blockOffsets !== undefined, type === 'Q4_K' || type === 'Q5_K', 'only Q4_K and Q5_K blocks carry offsets');
    if (layout.blockOffsets) assert.ok(layout.scales.includes(0), 'the fixture has a sub-block with sc = 0');
    // The graph: `linear` as the converter builds it (float activations: the product is then exact), run on one-hot rows.
    const g = new GraphBuilder();
    const x = g.input('x', ElementType.float, ['rows', k]);
    g.op('Identity', 'y', [linear(g, '/w', x, 'w', weight, { quant: 'match', activations: 'float32' })], {}, { outputNames: ['y'] });
    g.output('y', ElementType.float, ['rows', n]);
    const graph = g.serialize('exact');
    const session = await ort.InferenceSession.create(Buffer.from(graph));
    const identity = new Float32Array(k * k);
    for (let i = 0; i < k; i++) identity[i * k + i] = 1;
    const y = (await session.run({ x: new ort.Tensor('float32', identity, [k, k]) })).y.data as Float32Array;
    await session.release();
    // Q4_K / Q5_K: the offsets m − middle·s are rounded once to float32; the others are the file's values bit for bit.
    const rounding = (i: number) => (layout.blockOffsets ? 2 ** -23 * (Math.abs(weight.data[i]) + 64 * layout.scales[Math.floor(i / layout.blockSize)]) : 0);
    for (let r = 0; r < n; r++) {
      for (let c = 0; c < k; c++) {
        const i = r * k + c;
        assert.ok(Math.abs(y[c * n + r] - weight.data[i]) <= rounding(i), `${type} w[${r}, ${c}]: ONNX Runtime ${y[c * n + r]}, the file ${weight.data[i]}`);
      }
    }
    if (type === 'MXFP4') assert.equal(y[0], weight.data[0], 'the largest exponent is kept');
    // The graph's weights read back (as `rook convert` of a converted folder reads them) are the same values.
    const file = path.join(tempDir(`exact-${type}`), 'model.onnx');
    fs.writeFileSync(file, graph);
    const readBack = readGraphWeights(file).dequantized.get('w')!;
    for (let i = 0; i < n * k; i++) assert.ok(Math.abs(readBack.data[i] - weight.data[i]) <= rounding(i), `${type} read back w[${i}]`);
  });
}

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
