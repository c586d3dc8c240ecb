import assert from 'node:assert/strict';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { test } from 'node:test';
import { parseModelConfig, readModelConfig, serializeModelConfig } from '../../server/model/config';
import { tempDir } from '../support/tempDir';

const minimal = {
  architecture: 'grok',
  vocab_size: 300,
  hidden_size: 64,
  num_hidden_layers: 2,
  num_attention_heads: 4,
  num_key_value_heads: 2,
  num_experts: 4,
  num_experts_per_tok: 2,
  intermediate_size: 96,
  max_position_embeddings: 256,
};

test('config: knobs left out take Grok-1 values', () => {
  const config = parseModelConfig(minimal, 'config.json');
  assert.equal(config.headDim, 16);
  assert.equal(config.expertActivation, 'geglu');
  assert.equal(config.geluApproximation, 'tanh');
  assert.equal(config.normPlacement, 'sandwich');
  assert.equal(config.routerRenormalize, false);
  assert.equal(config.embeddingMultiplier, 8);
  assert.equal(config.outputMultiplier, 0.5773502691896257);
  assert.equal(config.attentionScale, 0.25);
  assert.equal(config.attentionSoftcap, 30);
  assert.equal(config.routerSoftcap, 0);
  assert.equal(config.tiedOutput, true);
  assert.deepEqual(parseModelConfig(serializeModelConfig(config), 'x'), config);
});

test('config: errors name the file and the field', () => {
  assert.throws(() => parseModelConfig({ ...minimal, num_key_value_heads: undefined }, '/m/config.json'), /\/m\/config\.json: missing field "num_key_value_heads"/);
  assert.throws(() => parseModelConfig({ ...minimal, hidden_size: 'big' }, 'c.json'), /c\.json: bad value for field "hidden_size": "big"; expected a positive integer/);
  assert.throws(() => parseModelConfig({ ...minimal, architecture: 'llama' }, 'c.json'), /unknown architecture for field "architecture": "llama"/);
  assert.throws(() => parseModelConfig({ ...minimal, expert_activation: 'relu' }, 'c.json'), /"expert_activation".*"geglu", "swiglu"/);
  assert.throws(() => parseModelConfig({ ...minimal, num_key_value_heads: 3 }, 'c.json'), /multiple of "num_key_value_heads"/);
  assert.throws(() => parseModelConfig({ ...minimal, num_experts_per_tok: 5 }, 'c.json'), /"num_experts_per_tok" \(5\) exceeds/);
  assert.throws(() => parseModelConfig([], 'c.json'), /c\.json: expected a JSON object/);
});

test('config: unreadable or malformed config.json is reported with its path', () => {
  const dir = tempDir('config');
  const file = path.join(dir, 'config.json');
  assert.throws(() => readModelConfig(file), new RegExp(`${file.replace(/[.]/g, '\\.')}: cannot read \\(ENOENT\\)`));
  fs.writeFileSync(file, '{"architecture": "grok",');
  assert.throws(() => readModelConfig(file), /config\.json: not valid JSON/);
  fs.writeFileSync(file, JSON.stringify(minimal));
  assert.equal(readModelConfig(file).numLayers, 2);
});
