/**
 * Tiny random checkpoints in Hugging Face's layouts (Grok-1 port, Mixtral): config.json with the HF keys, bf16
 * weights split over safetensors shards with a `model.safetensors.index.json`, and a tokenizer. Each comes with a
 * Rook folder of the same (bf16-rounded) weights built directly, which a conversion must reproduce.
 */
import assert from 'node:assert/strict';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { buildOnnxModel } from '../../server/model/build';
import { serializeModelConfig, type ModelConfig } from '../../server/model/config';
import { decodeFloats, encodeFloats } from '../../server/model/dtype';
import { grokTensorNames } from '../../server/model/arch/grok';
import { writeSafetensors } from '../../server/model/safetensors';
import { randomGrokWeights, syntheticTokenizer, type SyntheticShape } from '../../server/model/synthetic';
import type { Weights } from '../../server/model/tensor';
import { tempDir, tinyGrok } from './fixtures';

/** Writes `weights` as `shards` safetensors files plus Hugging Face's index naming each tensor's shard. */
export function writeShardedCheckpoint(dir: string, weights: Weights, shards: number): void {
  const names = [...weights.keys()];
  const perShard = Math.ceil(names.length / shards);
  const weightMap: Record<string, string> = {};
  for (let s = 0; s < shards; s++) {
    const file = `model-${String(s + 1).padStart(5, '0')}-of-${String(shards).padStart(5, '0')}.safetensors`;
    const part = new Map(names.slice(s * perShard, (s + 1) * perShard).map((name) => [name, weights.get(name)!]));
    for (const name of part.keys()) weightMap[name] = file;
    writeSafetensors(path.join(dir, file), part, 'BF16');
  }
  fs.writeFileSync(path.join(dir, 'model.safetensors.index.json'), JSON.stringify({ metadata: { total_size: 0 }, weight_map: weightMap }));
}

function bf16Rounded(weights: Weights): Weights {
  return new Map([...weights].map(([name, t]) => [name, { shape: t.shape, data: decodeFloats(encodeFloats(t.data, 'BF16'), 'BF16') }]));
}

/** A Rook folder with these exact weights, built directly (no conversion). */
function directFolder(config: ModelConfig, weights: Weights, tokenizerJson: string): string {
  const dir = tempDir('direct');
  fs.writeFileSync(path.join(dir, 'config.json'), JSON.stringify(serializeModelConfig(config)));
  fs.writeFileSync(path.join(dir, 'tokenizer.json'), tokenizerJson);
  writeSafetensors(path.join(dir, 'model.safetensors'), weights);
  buildOnnxModel(dir);
  return dir;
}

export interface HfFixture {
  checkpoint: string;
  direct: string;
  config: ModelConfig;
  /** Rook tensor names in the order written; the checkpoint's own names via the format's mapping. */
  weights: Weights;
}

export const tinyHfGrok: SyntheticShape = { ...tinyGrok, embeddingMultiplier: 0.3, attentionScale: 1.5 };

/** The Grok-1 port's layout (its names are Rook's), with its SentencePiece `tokenizer.model` only. */
export function hfGrokCheckpoint(tokenizerModel: string, vocabSize: number, seed: number, shape: SyntheticShape = tinyHfGrok): HfFixture & { hfConfig: Record<string, unknown> } {
  const config: ModelConfig = { ...shape, vocabSize };
  const weights = bf16Rounded(randomGrokWeights(config, seed));
  const checkpoint = tempDir('hf-grok');
  const hfConfig = {
    architectures: ['Grok1ModelForCausalLM'],
    model_type: 'grok-1',
    vocab_size: vocabSize,
    hidden_size: config.hiddenSize,
    intermediate_size: config.expertFfnSize,
    num_hidden_layers: config.numLayers,
    num_attention_heads: config.numHeads,
    num_key_value_heads: config.numKvHeads,
    attn_output_multiplier: config.attentionScale,
    embedding_multiplier_scale: config.embeddingMultiplier,
    output_multiplier_scale: config.outputMultiplier,
    max_attn_value: config.attentionSoftcap,
    max_position_embeddings: config.contextLength,
    rms_norm_eps: config.rmsNormEps,
    pad_token_id: 0,
    bos_token_id: 1,
    eos_token_id: 2,
    tie_word_embeddings: true,
    num_experts_per_tok: config.numExpertsPerToken,
    num_experts: config.numExperts,
    torch_dtype: 'bfloat16',
  };
  fs.writeFileSync(path.join(checkpoint, 'config.json'), JSON.stringify(hfConfig));
  fs.copyFileSync(tokenizerModel, path.join(checkpoint, 'tokenizer.model'));
  writeShardedCheckpoint(checkpoint, weights, 3);
  return { checkpoint, direct: '', config, weights, hfConfig };
}

/** Completes a fixture with its directly built Rook folder, given the tokenizer.json the conversion should produce. */
export function withDirectFolder<T extends HfFixture>(fixture: T, tokenizerJson: string): T {
  return { ...fixture, direct: directFolder(fixture.config, fixture.weights, tokenizerJson) };
}

export const tinyMixtral: SyntheticShape = {
  ...tinyGrok,
  expertActivation: 'swiglu',
  normPlacement: 'pre',
  routerRenormalize: true,
  embeddingMultiplier: 1,
  outputMultiplier: 1,
  attentionScale: 0.25,
  attentionSoftcap: 0,
  tiedOutput: false,
  ropeBase: 1e6,
};

/** The same tensors under Mixtral's names, spelled out here as the test's oracle for the converter's mapping. */
function mixtralNamed(config: ModelConfig, weights: Weights): Weights {
  const named: Weights = new Map([
    ['model.embed_tokens.weight', weights.get(grokTensorNames.embedding)!],
    ['model.norm.weight', weights.get(grokTensorNames.finalNorm)!],
    ['lm_head.weight', weights.get(grokTensorNames.output)!],
  ]);
  for (let i = 0; i < config.numLayers; i++) {
    const rook = grokTensorNames.layer(i);
    const hf = `model.layers.${i}`;
    named.set(`${hf}.input_layernorm.weight`, weights.get(rook.preAttnNorm)!);
    named.set(`${hf}.post_attention_layernorm.weight`, weights.get(rook.preMoeNorm)!);
    for (const p of ['q', 'k', 'v', 'o'] as const) named.set(`${hf}.self_attn.${p}_proj.weight`, weights.get(rook[p])!);
    named.set(`${hf}.block_sparse_moe.gate.weight`, weights.get(rook.router)!);
    for (let j = 0; j < config.numExperts; j++) {
      named.set(`${hf}.block_sparse_moe.experts.${j}.w1.weight`, weights.get(rook.expertGate(j))!);
      named.set(`${hf}.block_sparse_moe.experts.${j}.w3.weight`, weights.get(rook.expertUp(j))!);
      named.set(`${hf}.block_sparse_moe.experts.${j}.w2.weight`, weights.get(rook.expertDown(j))!);
    }
  }
  assert.equal(named.size, weights.size);
  return named;
}

/** Mixtral's layout and names, with a tokenizer.json and a chat template in tokenizer_config.json. */
export function hfMixtralCheckpoint(seed: number): HfFixture {
  const tokenizer = syntheticTokenizer();
  const config: ModelConfig = { ...tinyMixtral, vocabSize: tokenizer.vocabSize };
  const weights = bf16Rounded(randomGrokWeights(config, seed));
  const checkpoint = tempDir('hf-mixtral');
  fs.writeFileSync(
    path.join(checkpoint, 'config.json'),
    JSON.stringify({
      architectures: ['MixtralForCausalLM'],
      model_type: 'mixtral',
      vocab_size: config.vocabSize,
      hidden_size: config.hiddenSize,
      intermediate_size: config.expertFfnSize,
      num_hidden_layers: config.numLayers,
      num_attention_heads: config.numHeads,
      num_key_value_heads: config.numKvHeads,
      num_local_experts: config.numExperts,
      num_experts_per_tok: config.numExpertsPerToken,
      max_position_embeddings: 4096,
      sliding_window: config.contextLength,
      rms_norm_eps: config.rmsNormEps,
      rope_theta: config.ropeBase,
      hidden_act: 'silu',
      tie_word_embeddings: false,
      bos_token_id: 1,
      eos_token_id: 2,
      torch_dtype: 'bfloat16',
    }),
  );
  const tokenizerJson = JSON.stringify(tokenizer.json);
  fs.writeFileSync(path.join(checkpoint, 'tokenizer.json'), tokenizerJson);
  fs.writeFileSync(path.join(checkpoint, 'tokenizer_config.json'), JSON.stringify({ chat_template: '{% for m in messages %}[{{ m.role }}] {{ m.content }}\n{% endfor %}[assistant] ' }));
  writeShardedCheckpoint(checkpoint, mixtralNamed(config, weights), 2);
  return { checkpoint, direct: directFolder(config, weights, tokenizerJson), config, weights };
}
