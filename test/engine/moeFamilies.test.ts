/**
 * The MoE families beyond Grok-1 and Mixtral (Qwen2-MoE, Qwen3-MoE, OLMoE, Granite MoE with and without its shared
 * expert), each from a checkpoint in its own Hugging Face layout and names: the conversion must give the config and
 * graph built directly from the same weights, and the GGUF it exports must read back to the same model.
 */
import assert from 'node:assert/strict';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { test } from 'node:test';
import { convertCheckpoint } from '../../server/model/convert';
import { tempDir } from './fixtures';
import { hfFamilyCheckpoint, tinyGraniteMoe, tinyGraniteMoeShared, tinyOlmoe, tinyQwen2Moe, tinyQwen3Moe } from './hfCheckpoints';

const families = [
  ['Qwen3-MoE', tinyQwen3Moe, 'Hugging Face Qwen3-MoE', 'GGUF (llama.cpp qwen3moe)'],
  ['Qwen2-MoE', tinyQwen2Moe, 'Hugging Face Qwen2-MoE', 'GGUF (llama.cpp qwen2moe)'],
  ['OLMoE', tinyOlmoe, 'Hugging Face OLMoE', 'GGUF (llama.cpp olmoe)'],
  ['Granite MoE', tinyGraniteMoe, 'Hugging Face Granite MoE', 'GGUF (llama.cpp granitemoe)'],
  ['Granite MoE shared', tinyGraniteMoeShared, 'Hugging Face Granite MoE', 'GGUF (llama.cpp granitemoe)'],
] as const;

const read = (dir: string, file: string) => fs.readFileSync(path.join(dir, file));
const configOf = (dir: string) => JSON.parse(read(dir, 'config.json').toString('utf8'));

for (const [label, shape, format, ggufFormat] of families) {
  test(`families: a ${label} checkpoint in its Hugging Face names converts to the graph built directly, and its GGUF reads back to it`, () => {
    const fixture = hfFamilyCheckpoint(shape, 71);
    const out = path.join(tempDir('family'), 'converted');
    const result = convertCheckpoint(fixture.checkpoint, out, { gguf: true });
    assert.equal(result.format, format);
    assert.deepEqual(configOf(out), configOf(fixture.direct));
    assert.ok(read(out, 'model.onnx').equals(read(fixture.direct, 'model.onnx')), 'model.onnx differs from the direct build');

    const fromGguf = path.join(tempDir('family-gguf'), 'converted');
    const reimport = convertCheckpoint(path.join(out, 'model.gguf'), fromGguf);
    assert.equal(reimport.format, ggufFormat);
    const { architecture, ...fields } = configOf(fromGguf);
    assert.equal(architecture, shape.architecture);
    for (const [field, value] of Object.entries(fields)) {
      const expected = configOf(fixture.direct)[field];
      if (typeof value === 'number') assert.ok(Math.abs(value - expected) <= 1e-6 * Math.abs(expected), `${field}: ${value} vs ${expected}`);
      else assert.deepEqual(value, expected, field);
    }
    // The GGUF holds the float knobs as float32, as the graph does: the same graph.
    assert.ok(read(fromGguf, 'model.onnx').equals(read(fixture.direct, 'model.onnx')), 'the GGUF import built another graph');
  });
}
