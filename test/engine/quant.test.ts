/**
 * The block quantizer against llama.cpp's reference (goldens produced by gguf-py 0.19.0, llama.cpp's own Python
 * port of `quantize_row_q8_0_ref` / `quantize_row_q4_0_ref`: `gguf.quants.quantize(x, Q8_0 | Q4_0)`), its two
 * layouts (ggml blocks, MatMulNBits), and that ONNX Runtime's MatMulNBits multiplies by exactly the values d·q.
 */
import assert from 'node:assert/strict';
import { createHash } from 'node:crypto';
import * as path from 'node:path';
import { test } from 'node:test';
import * as ort from 'onnxruntime-node';
import { DecoderSession } from '../../server/engines/local/decoderSession';
import { buildOnnxModel } from '../../server/model/build';
import type { ModelConfig } from '../../server/model/config';
import { float16BitsToFloat32, float32ToFloat16Bits } from '../../server/model/dtype';
import { readSafetensors, writeSafetensors } from '../../server/model/safetensors';
import { serializeGguf } from '../../server/model/gguf/write';
import { dequantize, fromGgmlBlocks, quantizeRows, toGgmlBlocks, toMatMulNBits, type QuantType } from '../../server/model/quant';
import { seededNormal } from '../../server/model/synthetic';
import type { FloatTensor } from '../../server/model/tensor';
import { tinyModelFolder } from './fixtures';

const hex = (bytes: Uint8Array) => Buffer.from(bytes).toString('hex');
const row = (values: number[]): FloatTensor => ({ shape: [1, values.length], data: Float32Array.from(values) });

/** 64 rows of 128: a zero block, a block whose abs-max is negative, exact half steps (ties), then mixed scales. */
function goldenInput(): FloatTensor {
  const normal = seededNormal(5);
  const data = Float32Array.from({ length: 64 * 128 }, (_, i) => (i % 7 === 0 ? Math.round(normal() * 4) / 2 : normal() * (1 + (i % 5))));
  data.fill(0, 0, 32);
  for (let j = 32; j < 64; j++) data[j] = -Math.abs(data[j]);
  data[40] = -9;
  for (let j = 64; j < 96; j++) data[j] = (j - 80) / 16;
  return { shape: [64, 128], data };
}

test('Q8_0 and Q4_0 blocks are byte-identical to llama.cpp reference quantization (512 blocks)', () => {
  const input = goldenInput();
  const sha = (bits: 8 | 4) => createHash('sha256').update(toGgmlBlocks(quantizeRows(input, bits, 'golden'))).digest('hex');
  assert.equal(sha(8), '468490c6656aa455a214afee4221e244ca21f8b82f3fb5a088f34e094bc48968');
  assert.equal(sha(4), '57bc29a72b45176327e5c9cddf78816e4956d36c4d17f0c0d4eab6584dd44c08');
});

test('ggml block bytes read back (fromGgmlBlocks) to the same codes and scales, and re-quantizing d·q gives the same blocks', () => {
  const input = goldenInput();
  for (const bits of [8, 4] as const) {
    const blocks = quantizeRows(input, bits, 'golden');
    const bytes = toGgmlBlocks(blocks);
    const read = fromGgmlBlocks(bytes, bits, input.shape);
    assert.deepEqual(read, blocks, `Q${bits}_0`);
    assert.equal(hex(toGgmlBlocks(quantizeRows(dequantize(read), bits, 'dequantized'))), hex(bytes), `Q${bits}_0: d·q quantizes to the same blocks`);
  }
});

test('Q4_0: d = max / -8 keeps the sign of the abs-max element, which maps to code 0; the far end clips at 15', () => {
  const values = [...Array.from({ length: 16 }, (_, j) => j - 8), ...Array.from({ length: 16 }, (_, j) => 7.9 - 0.5 * j)];
  // d = 1.0 (fp16 0x3c00); low nibbles are elements 0..15 (codes 0..15), high nibbles elements 16..31 (15 clipped, 15, 15, 14, ...).
  assert.equal(hex(toGgmlBlocks(quantizeRows(row(values), 4, 'neg'))), '003cf0f1f2e3e4d5d6c7c8b9baabac9d9e8f');
  assert.equal(hex(toGgmlBlocks(quantizeRows(row(values.map((v) => -v)), 4, 'pos'))), '00bcf0f1f2e3e4d5d6c7c8b9baabac9d9e8f');
  const blocks = quantizeRows(row(values), 4, 'neg');
  assert.equal(dequantize(blocks).data[0], -8, 'the abs-max element is reproduced exactly');
  assert.equal(dequantize(blocks).data[16], 7, '7.9 clips to the largest positive step, 7·d');
});

test('Q8_0: d = amax / 127 and codes round half away from zero', () => {
  const values = [127, 2.5, -2.5, 0.5, -0.5, -127, ...new Array(26).fill(0)];
  assert.equal(hex(toGgmlBlocks(quantizeRows(row(values), 8, 'ties'))), '003c7f03fd01ff81' + '00'.repeat(26));
});

test('an all-zero block quantizes to d = 0 (Q4_0: -0, codes at the zero point) and dequantizes to zeros', () => {
  const zeros = row(new Array(32).fill(0));
  assert.equal(hex(toGgmlBlocks(quantizeRows(zeros, 8, 'zero'))), '00'.repeat(34));
  assert.equal(hex(toGgmlBlocks(quantizeRows(zeros, 4, 'zero'))), '0080' + '88'.repeat(16));
  for (const bits of [8, 4] as const) assert.ok(dequantize(quantizeRows(zeros, bits, 'zero')).data.every((v) => v === 0));
});

test('round trip: every value is within half a step of d·q (Q8_0), or one step where Q4_0 clips', () => {
  const input = goldenInput();
  for (const [bits, bound] of [
    [8, 0.5 + 127 * 2 ** -11],
    [4, 1 + 8 * 2 ** -11],
  ] as const) {
    const blocks = quantizeRows(input, bits, 'golden');
    const restored = dequantize(blocks).data;
    for (let b = 0; b < blocks.scaleBits.length; b++) {
      const d = Math.abs(float16BitsToFloat32(blocks.scaleBits[b]));
      for (let j = b * 32; j < (b + 1) * 32; j++) assert.ok(Math.abs(input.data[j] - restored[j]) <= bound * d + 1e-7, `bits ${bits} element ${j}`);
    }
  }
});

test('rows whose length is not a multiple of 32 are refused, naming the tensor', () => {
  assert.throws(() => quantizeRows({ shape: [4, 48], data: new Float32Array(4 * 48) }, 8, 'model.layers.0.attn.q_proj.weight'), /"model\.layers\.0\.attn\.q_proj\.weight" has rows of 48 values, not a multiple of 32/);
});

test('MatMulNBits layout: codes + 2^(bits-1) as uint8 [N, K/32, blob], 4-bit pairs low nibble first, fp16 scales as float', () => {
  const values = Array.from({ length: 64 }, (_, j) => (j % 2 ? 1 : -1) * (j % 8));
  const matrix: FloatTensor = { shape: [2, 32], data: Float32Array.from(values) };
  const q8 = toMatMulNBits(quantizeRows(matrix, 8, 'm'));
  assert.deepEqual([q8.n, q8.k, q8.bits, q8.packed.length], [2, 32, 8, 64]);
  assert.deepEqual([...q8.scales], [float16BitsToFloat32(float32ToFloat16Bits(7 / 127)), float16BitsToFloat32(float32ToFloat16Bits(7 / 127))]);
  for (let i = 0; i < 64; i++) assert.equal(q8.packed[i], Math.round((values[i] * 127) / 7) + 128);
  assert.equal(q8.packed[0], 128, 'code 0 is stored as the zero point 128');
  const q4 = toMatMulNBits(quantizeRows(matrix, 4, 'm'));
  assert.equal(q4.packed.length, 32);
  const codes = quantizeRows(matrix, 4, 'm').codes;
  for (let i = 0; i < 32; i++) assert.equal(q4.packed[i], (codes[2 * i] + 8) | ((codes[2 * i + 1] + 8) << 4));
});

/** Logits of `dir`'s model.onnx for one prompt. */
async function promptLogits(dir: string, config: ModelConfig, prompt: number[]): Promise<Float32Array> {
  const session = new DecoderSession(await ort.InferenceSession.create(path.join(dir, 'model.onnx')), config);
  try {
    return await session.forward(prompt);
  } finally {
    await session.release();
  }
}

for (const quant of ['int8', 'int4'] as const satisfies readonly QuantType[]) {
  for (const tiedOutput of [true, false]) {
    const output = tiedOutput ? 'output tied to the float32 embedding' : 'untied output projection in int8';
    test(`${quant} graph with float32 activations computes exactly the float graph of the dequantized weights d·q (${output})`, async () => {
      const shape = { routerRenormalize: true, tiedOutput };
      const { dir, config } = tinyModelFolder(shape, 21, { quant });
      // MatMulNBits is checked by rebuilding the same folder in float32 from dequantize() of every quantized matrix.
      buildOnnxModel(dir, { quant, activations: 'float32' });
      const prompt = [config.bosTokenId, 300, 311, 322, 333, 344, 355, 366];
      const quantized = await promptLogits(dir, config, prompt);
      const weightsFile = path.join(dir, 'model.safetensors');
      const weights = readSafetensors(weightsFile);
      for (const [name, tensor] of weights) {
        if (/attn\.[qkvo]_proj|experts\./.test(name)) weights.set(name, dequantize(quantizeRows(tensor, quant === 'int8' ? 8 : 4, name)));
        // An int4 model's output projection is int8, as llama.cpp keeps its 4-bit files' output.weight at 6-8 bits.
        if (name === 'lm_head.weight') weights.set(name, dequantize(quantizeRows(tensor, 8, name)));
      }
      assert.equal(weights.has('lm_head.weight'), !tiedOutput);
      writeSafetensors(weightsFile, weights);
      buildOnnxModel(dir);
      const reference = await promptLogits(dir, config, prompt);
      let worst = 0;
      for (let i = 0; i < reference.length; i++) worst = Math.max(worst, Math.abs(quantized[i] - reference[i]));
      assert.ok(worst <= 1e-5, `max |Δ logit| ${worst}`);
      // And quantization did change the model (the check above is not comparing a model with itself).
      const original = tinyModelFolder(shape, 21);
      const float = await promptLogits(original.dir, config, prompt);
      assert.ok(float.some((v, i) => Math.abs(v - reference[i]) > 1e-3));
    });
  }
}

test('GGUF: a quantized tensor is written with its ggml type id (Q8_0 = 8, Q4_0 = 2) and the ggml block bytes as data', () => {
  const tensor = goldenInput();
  for (const [type, id, bits] of [
    ['Q8_0', 8, 8],
    ['Q4_0', 2, 4],
  ] as const) {
    const file = serializeGguf(new Map(), [{ name: 'w', tensor, type }]);
    // header (4 + 4 + 8 + 8), name (8 + 1), n_dims (4), dims [128, 64] (16), then the type id.
    const infoAt = 24 + 9 + 4 + 16;
    assert.deepEqual([file.readBigUInt64LE(24 + 9 + 4), file.readBigUInt64LE(24 + 9 + 12)], [128n, 64n]);
    assert.equal(file.readUInt32LE(infoAt), id);
    const blocks = toGgmlBlocks(quantizeRows(tensor, bits, 'w'));
    assert.equal(file.byteLength, 96 + blocks.byteLength);
    assert.ok(file.subarray(96).equals(blocks));
  }
});
