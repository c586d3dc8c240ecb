/**
 * The mixture-of-experts decoder every family Rook runs is an instance of (Grok-1, Grok-2, Mixtral, Qwen2-MoE, Qwen3-MoE,
 * OLMoE, Granite MoE, gpt-oss, DeepSeek-V2): Rook's tensor names for it (the Hugging Face Grok-1 port's, plus the parts other families
 * add), their expected shapes, and its ONNX graph. Each family's checkpoint names map onto these in `import/`, its
 * llama.cpp names in `gguf/names/`; config knobs switch the parts a family has.
 *
 *   h = embed(ids) · embeddingMultiplier
 *   per layer: h += r · postAttnNorm(attn(preAttnNorm(h)));  h += r · postMoeNorm(moe(preMoeNorm(h)) + shared(·))
 *     (post norms only for `sandwich`; r the residual multiplier; q/k biases and norms, and the shared expert, where
 *     the family has them; DeepSeek-V2's latent attention in place of attn; a dense SwiGLU MLP in place of moe on
 *     DeepSeek's first `denseLayers` layers and on Qwen-MoE's `denseLayerIds`)
 *   logits = cap(norm(h) · Eᵀ · outputMultiplier)
 *     (cap: Grok-2's final soft-cap c·tanh(l/c); Grok-2 also sums its routed experts and residual MLP times 1/√2, and
 *     raises its queries' attention temperature past `attentionTemperatureLength`)
 */
import { denseLayerCount, isDenseLayer, kvCacheShape, ModelConfigError, type FieldNaming, type ModelConfig } from '../config';
import { ElementType, GraphBuilder } from '../onnx/graphBuilder';
import { appendedNames, logitsToKeepInput, pastNames, presentNames } from '../graphInterface';
import { attentionGeometry, headGroupAttention } from '../onnx/headGroupAttention';
import { attentionLengths, attentionTemperature, gatedMlp, groupQueryAttention, headRmsNorm, latentAttention, linear, mixtureOfExperts, pairRotation, positionIds, rmsNorm, rotaryCaches, softcap, tiedOutput, type Attend, type PairRotation } from '../onnx/layers';
import type { ExternalDataWriter } from '../onnx/externalData';
import type { GraphWeights } from '../onnx/initializers';
import { outputQuant, type QuantOptions } from '../quant';
import { transpose2d, type FloatTensor, type WeightSource, type Weights } from '../tensor';

export const decoderTensorNames = {
  embedding: 'model.embed_tokens.weight',
  finalNorm: 'model.norm.scale',
  output: 'lm_head.weight',
  layer: (i: number) => ({
    preAttnNorm: `model.layers.${i}.pre_attn_norm.scale`,
    postAttnNorm: `model.layers.${i}.post_attn_norm.scale`,
    preMoeNorm: `model.layers.${i}.pre_moe_norm.scale`,
    postMoeNorm: `model.layers.${i}.post_moe_norm.scale`,
    q: `model.layers.${i}.attn.q_proj.weight`,
    k: `model.layers.${i}.attn.k_proj.weight`,
    v: `model.layers.${i}.attn.v_proj.weight`,
    o: `model.layers.${i}.attn.o_proj.weight`,
    qBias: `model.layers.${i}.attn.q_proj.bias`,
    oBias: `model.layers.${i}.attn.o_proj.bias`,
    /** `[heads]`: each head's sink logit. */
    sinks: `model.layers.${i}.attn.sinks`,
    routerBias: `model.layers.${i}.moe_block.gate.bias`,
    expertGateBias: (j: number) => `model.layers.${i}.moe_block.experts.${j}.linear.bias`,
    expertUpBias: (j: number) => `model.layers.${i}.moe_block.experts.${j}.linear_v.bias`,
    expertDownBias: (j: number) => `model.layers.${i}.moe_block.experts.${j}.linear_1.bias`,
    kBias: `model.layers.${i}.attn.k_proj.bias`,
    vBias: `model.layers.${i}.attn.v_proj.bias`,
    qNorm: `model.layers.${i}.attn.q_norm.scale`,
    kNorm: `model.layers.${i}.attn.k_norm.scale`,
    /** Latent attention (DeepSeek-V2): the query bottleneck `[qLoraRank, hidden]`, its norm, and `[heads·headDim, qLoraRank]`. */
    qA: `model.layers.${i}.attn.q_a_proj.weight`,
    qANorm: `model.layers.${i}.attn.q_a_norm.scale`,
    qB: `model.layers.${i}.attn.q_b_proj.weight`,
    /** `[kvLoraRank + ropeHeadDim, hidden]`: the key/value latent, then the rotated key part every head shares. */
    kvA: `model.layers.${i}.attn.kv_a_proj.weight`,
    kvANorm: `model.layers.${i}.attn.kv_a_norm.scale`,
    /** The latent's decompression: `[heads·(headDim - ropeHeadDim), kvLoraRank]` keys and `[heads·vHeadDim, kvLoraRank]` values. */
    kB: `model.layers.${i}.attn.k_b_proj.weight`,
    vB: `model.layers.${i}.attn.v_b_proj.weight`,
    /** A dense layer's SwiGLU MLP (`denseLayers`), in Grok's expert names. */
    denseGate: `model.layers.${i}.mlp.linear.weight`,
    denseUp: `model.layers.${i}.mlp.linear_v.weight`,
    denseDown: `model.layers.${i}.mlp.linear_1.weight`,
    router: `model.layers.${i}.moe_block.gate.weight`,
    sharedGate: `model.layers.${i}.moe_block.shared_expert.linear.weight`,
    sharedUp: `model.layers.${i}.moe_block.shared_expert.linear_v.weight`,
    sharedDown: `model.layers.${i}.moe_block.shared_expert.linear_1.weight`,
    /** `[1, hidden]`: the shared expert's sigmoid gate. */
    sharedExpertGate: `model.layers.${i}.moe_block.shared_expert_gate.weight`,
    /** Grok's `linear` (activated), `linear_v` (linear) and `linear_1` (down) expert matrices. */
    expertGate: (j: number) => `model.layers.${i}.moe_block.experts.${j}.linear.weight`,
    expertUp: (j: number) => `model.layers.${i}.moe_block.experts.${j}.linear_v.weight`,
    expertDown: (j: number) => `model.layers.${i}.moe_block.experts.${j}.linear_1.weight`,
  }),
};

/** Every tensor the config calls for, with its shape (`[out, in]` for linear layers). */
export function decoderTensorShapes(config: ModelConfig): Map<string, number[]> {
  const { hiddenSize: d, headDim, numHeads, numKvHeads, numExperts, expertFfnSize: ffn, vocabSize } = config;
  const shapes = new Map<string, number[]>([[decoderTensorNames.embedding, [vocabSize, d]], [decoderTensorNames.finalNorm, [d]]]);
  if (!config.tiedOutput) shapes.set(decoderTensorNames.output, [vocabSize, d]);
  for (let i = 0; i < config.numLayers; i++) {
    const names = decoderTensorNames.layer(i);
    shapes.set(names.preAttnNorm, [d]);
    shapes.set(names.preMoeNorm, [d]);
    if (config.normPlacement === 'sandwich') {
      shapes.set(names.postAttnNorm, [d]);
      shapes.set(names.postMoeNorm, [d]);
    }
    if (config.kvLoraRank > 0) {
      const { qLoraRank, kvLoraRank, ropeHeadDim, vHeadDim } = config;
      if (qLoraRank > 0) {
        shapes.set(names.qA, [qLoraRank, d]);
        shapes.set(names.qANorm, [qLoraRank]);
        shapes.set(names.qB, [numHeads * headDim, qLoraRank]);
      } else {
        shapes.set(names.q, [numHeads * headDim, d]);
      }
      shapes.set(names.kvA, [kvLoraRank + ropeHeadDim, d]);
      shapes.set(names.kvANorm, [kvLoraRank]);
      shapes.set(names.kB, [numHeads * (headDim - ropeHeadDim), kvLoraRank]);
      shapes.set(names.vB, [numHeads * vHeadDim, kvLoraRank]);
      shapes.set(names.o, [d, numHeads * vHeadDim]);
    } else {
      shapes.set(names.q, [numHeads * headDim, d]);
      shapes.set(names.k, [numKvHeads * headDim, d]);
      shapes.set(names.v, [numKvHeads * headDim, d]);
      shapes.set(names.o, [d, numHeads * headDim]);
    }
    if (config.attentionBias) {
      shapes.set(names.qBias, [numHeads * headDim]);
      shapes.set(names.kBias, [numKvHeads * headDim]);
      shapes.set(names.vBias, [numKvHeads * headDim]);
    }
    if (config.attentionOutputBias) shapes.set(names.oBias, [d]);
    if (config.attentionSinks) shapes.set(names.sinks, [numHeads]);
    if (config.qkNorm !== 'none') {
      shapes.set(names.qNorm, [config.qkNorm === 'head' ? headDim : numHeads * headDim]);
      shapes.set(names.kNorm, [config.qkNorm === 'head' ? headDim : numKvHeads * headDim]);
    }
    if (isDenseLayer(config, i)) {
      shapes.set(names.denseGate, [config.denseFfnSize, d]);
      shapes.set(names.denseUp, [config.denseFfnSize, d]);
      shapes.set(names.denseDown, [d, config.denseFfnSize]);
      continue;
    }
    shapes.set(names.router, [numExperts, d]);
    const shared = config.sharedExpertFfnSize;
    if (shared > 0) {
      shapes.set(names.sharedGate, [shared, d]);
      shapes.set(names.sharedUp, [shared, d]);
      shapes.set(names.sharedDown, [d, shared]);
      if (config.sharedExpertGate) shapes.set(names.sharedExpertGate, [1, d]);
    }
    for (let j = 0; j < numExperts; j++) {
      shapes.set(names.expertGate(j), [ffn, d]);
      shapes.set(names.expertUp(j), [ffn, d]);
      shapes.set(names.expertDown(j), [d, ffn]);
    }
    if (config.expertBias) {
      shapes.set(names.routerBias, [numExperts]);
      for (let j = 0; j < numExperts; j++) {
        shapes.set(names.expertGateBias(j), [ffn]);
        shapes.set(names.expertUpBias(j), [ffn]);
        shapes.set(names.expertDownBias(j), [d]);
      }
    }
  }
  return shapes;
}

/** How many weights (float values) the tensors of `decoderTensorShapes(config)` hold, computed without listing them. */
export function decoderWeightCount(config: ModelConfig): number {
  const { hiddenSize: d, headDim, numHeads, numKvHeads, numExperts, expertFfnSize: ffn, vocabSize, numLayers } = config;
  const norms = (config.normPlacement === 'sandwich' ? 4 : 2) * d;
  const qkWidth = numHeads * headDim + numKvHeads * headDim;
  const { qLoraRank: qr, kvLoraRank: kvr, ropeHeadDim: rope, vHeadDim: vd } = config;
  const attention =
    kvr > 0
      ? (qr > 0 ? qr * d + qr + numHeads * headDim * qr : numHeads * headDim * d) + (kvr + rope) * d + kvr + numHeads * (headDim - rope + vd) * kvr + d * numHeads * vd
      : 2 * numHeads * headDim * d + 2 * numKvHeads * headDim * d + (config.attentionBias ? qkWidth + numKvHeads * headDim : 0) + { none: 0, head: 2 * headDim, projection: qkWidth }[config.qkNorm];
  const moe =
    numExperts * d + numExperts * 3 * ffn * d + 3 * config.sharedExpertFfnSize * d + (config.sharedExpertGate ? d : 0) + (config.expertBias ? numExperts * (1 + 2 * ffn + d) : 0);
  const dense = 3 * config.denseFfnSize * d;
  const extras = (config.attentionOutputBias ? d : 0) + (config.attentionSinks ? numHeads : 0);
  const denseLayers = denseLayerCount(config);
  return vocabSize * d * (config.tiedOutput ? 1 : 2) + d + numLayers * (norms + attention + extras) + denseLayers * dense + (numLayers - denseLayers) * moe;
}

/**
 * Throws, naming `file` and the fields, when the config's tensors cannot fit in the `dataBytes` of tensor data the
 * checkpoint holds at `minBytesPerWeight` (its most compact type), by more than a factor of 2: checked before the
 * tensors are listed or anything is built, so sizes that do not belong to the weights fail at once. A checkpoint
 * short of less than that (a tensor or a shard missing) goes on to the tensor-by-tensor check, which names the
 * tensor; the limits in config.ts bound what listing the tensors costs.
 */
export function checkWeightsFit(config: ModelConfig, dataBytes: number, minBytesPerWeight: number, file: string, naming: FieldNaming, holder: string): void {
  const weights = decoderWeightCount(config);
  const needed = Math.ceil(weights * minBytesPerWeight);
  if (needed <= 2 * dataBytes) return;
  const { describe, quote } = naming;
  const sizes = `${describe('num_hidden_layers')} (${config.numLayers}), ${quote('num_experts')} (${config.numExperts}), ${quote('hidden_size')} (${config.hiddenSize}), ${quote('intermediate_size')} (${config.expertFfnSize}) and ${quote('vocab_size')} (${config.vocabSize})`;
  throw new ModelConfigError(file, `${sizes} imply ${weights} weights, at least ${needed} bytes, but ${holder} holds ${dataBytes} bytes of tensor data; the sizes are corrupt or the weights belong to another model`);
}

/** Throws, naming `file`, when a tensor the config needs is missing or shaped differently. */
export function checkDecoderWeights(config: ModelConfig, weights: WeightSource, file: string): void {
  for (const [name, shape] of decoderTensorShapes(config)) {
    const tensor = weights.get(name);
    if (!tensor) throw new Error(`${file}: missing tensor "${name}" that config.json calls for`);
    if (tensor.shape.join() !== shape.join()) {
      throw new Error(`${file}: tensor "${name}" has shape [${tensor.shape}] but config.json implies [${shape}]`);
    }
  }
}

/** Whether layer `i` attends through a sliding window: of every `slidingWindowPattern` layers, all but the last. */
export function slides(config: ModelConfig, i: number): boolean {
  const n = config.slidingWindowPattern;
  return config.slidingWindow > 0 && (n === 1 || i % n < n - 1);
}

/**
 * Which positions a graph computes logits for. `last` (default): only the last new position's, all that generation
 * reads; the output projection is the widest matrix of a model (Grok-1's 131072-token vocabulary), so every
 * prompt position's logits would cost a prompt pass most of its time and `seq × vocab` floats of memory (1 GiB for a
 * 2k-token prompt of Grok-1). `all`: every position's, for scoring a text (loss, parity with a reference).
 */
export type LogitRows = 'last' | 'all';

/**
 * How attention over the KV cache is lowered. `headGroup` (the default): `headGroupAttention`, the cache an input
 * only and the new positions' keys and values the outputs; decoding is one product per KV head. `groupQuery`: one
 * GroupQueryAttention node a layer, given the engine's cache buffer as its present output to append to (graphs built
 * before `headGroup`, and the benches' comparison).
 */
export type AttentionLowering = 'groupQuery' | 'headGroup';

/** How a graph is built: its quantization, its logits, its attention, and where its weights go when they do not fit in `model.onnx`. */
export interface GraphOptions extends QuantOptions {
  logitRows?: LogitRows;
  attention?: AttentionLowering;
  externalData?: ExternalDataWriter;
}

/**
 * The decoder as an ONNX graph in onnxruntime-genai's layout: inputs `input_ids` `[batch, seq]`, `attention_mask`
 * `[batch, past + seq]`, `past_key_values.{i}.key/value` `[batch, kvHeads, past, headDim]`; outputs `logits`
 * `[batch, keep, vocab]` for the last `keep` positions (input `logits_to_keep` `[1]`; `[batch, seq, vocab]` with
 * `options.logitRows` `all`) and the new positions' `appended.{i}.key/value` `[batch, kvHeads, seq, headDim]` (with
 * `options.attention` `groupQuery`, the whole cache as `present.{i}.key/value`). Weights are checked first. `options.quant` block-quantizes the linear layers and an untied output projection
 * (MatMulNBits, `outputQuant`); the embedding (and an output tied to it), the router and the norms stay float32. With
 * `options.externalData` the weights are written to that file as the graph is built.
 */
export function buildDecoderGraph(config: ModelConfig, weights: WeightSource, weightsFile: string, options: GraphOptions = {}): GraphBuilder {
  checkDecoderWeights(config, weights, weightsFile);
  if (config.headDim % 16 !== 0) throw new Error(`head_dim ${config.headDim}: ONNX Runtime's GroupQueryAttention needs a multiple of 16`);
  const get = (name: string): FloatTensor => weights.get(name)!;
  const { hiddenSize: d, headDim, numKvHeads, vocabSize } = config;
  const g = new GraphBuilder(options.externalData);
  const inputIds = g.input('input_ids', ElementType.int64, ['batch_size', 'sequence_length']);
  const attentionMask = g.input('attention_mask', ElementType.int64, ['batch_size', 'total_sequence_length']);
  const lengths = attentionLengths(g, attentionMask);
  const scaling = {
    factor: config.ropeScalingFactor,
    originalContext: config.ropeOriginalContext,
    betaFast: config.ropeBetaFast,
    betaSlow: config.ropeBetaSlow,
    truncate: config.ropeTruncate,
    attentionFactor: config.ropeAttentionFactor,
  };
  // Latent attention rotates part of each head itself (interleaved pairs); the others rotate whole heads inside GroupQueryAttention.
  const latent = config.kvLoraRank > 0;
  const cache = kvCacheShape(config);
  const rotary = latent ? undefined : rotaryCaches(g, headDim, config.contextLength, config.ropeBase, scaling);
  const headGroups = (options.attention ?? 'headGroup') === 'headGroup';
  const positions = latent || headGroups || config.attentionTemperatureLength > 0 ? positionIds(g, lengths, inputIds) : undefined;
  const geometry = headGroups ? attentionGeometry(g, lengths, positions!, inputIds, pastNames(0).key) : undefined;
  const pairs: PairRotation | undefined = latent ? pairRotation(g, positions!, config.ropeHeadDim, config.contextLength, config.ropeBase, scaling) : undefined;
  const temperature = config.attentionTemperatureLength > 0 ? attentionTemperature(g, positions!, config.contextLength, config.attentionTemperatureLength) : undefined;

  const scaled = (name: string, x: string) => (config.residualMultiplier === 1 ? x : g.op('Mul', `${name}/residual_multiplier`, [x, g.floats([config.residualMultiplier])]));
  const embedding = g.weight(decoderTensorNames.embedding, get(decoderTensorNames.embedding));
  let h = g.op('Gather', '/embed/Gather', [embedding, inputIds], { axis: { i: 0 } });
  if (config.embeddingMultiplier !== 1) h = g.op('Mul', '/embed/Mul', [h, g.floats([config.embeddingMultiplier])]);

  for (let i = 0; i < config.numLayers; i++) {
    const names = decoderTensorNames.layer(i);
    const prefix = `/layers.${i}`;
    const norm = (label: string, x: string, weightName: string) => rmsNorm(g, `${prefix}/${label}`, x, g.weight(weightName, get(weightName)), config.rmsNormEps);
    const past = pastNames(i);
    const present = presentNames(i);
    const kvDims = ['batch_size', cache.heads, 'past_sequence_length', cache.width];
    g.input(past.key, ElementType.float, kvDims);
    g.input(past.value, ElementType.float, kvDims);

    const attnIn = norm('pre_attn_norm', h, names.preAttnNorm);
    const attend: Attend = (qkv, rotary, spec) =>
      geometry
        ? headGroupAttention(g, `${prefix}/attn/head_groups`, qkv, past, appendedNames(i), geometry, rotary, { ...spec, headDim: cache.width })
        : groupQueryAttention(g, `${prefix}/attn/GroupQueryAttention`, qkv, past, present, lengths, rotary, spec);
    const standardAttention = (): string => {
      const projection = (role: 'q' | 'k' | 'v', bias: string) => {
        const out = linear(g, `${prefix}/attn/${role}_proj`, attnIn, names[role], get(names[role]), options);
        return config.attentionBias ? g.op('Add', `${prefix}/attn/${role}_proj/bias`, [out, g.weight(bias, get(bias))]) : out;
      };
      const qkv = { q: projection('q', names.qBias), k: projection('k', names.kBias), v: projection('v', names.vBias) };
      if (temperature) qkv.q = g.op('Mul', `${prefix}/attn/q_temperature`, [qkv.q, temperature]);
      if (config.qkNorm === 'projection') {
        qkv.q = norm('attn/q_norm', qkv.q, names.qNorm);
        qkv.k = norm('attn/k_norm', qkv.k, names.kNorm);
      } else if (config.qkNorm === 'head') {
        qkv.q = headRmsNorm(g, `${prefix}/attn/q_norm`, qkv.q, g.weight(names.qNorm, get(names.qNorm)), headDim, config.rmsNormEps);
        qkv.k = headRmsNorm(g, `${prefix}/attn/k_norm`, qkv.k, g.weight(names.kNorm, get(names.kNorm)), headDim, config.rmsNormEps);
      }
      return attend(qkv, rotary, {
        numHeads: config.numHeads,
        numKvHeads,
        scale: config.attentionScale,
        softcap: config.attentionSoftcap,
        window: slides(config, i) ? config.slidingWindow : undefined,
        sinks: config.attentionSinks ? g.weight(names.sinks, get(names.sinks)) : undefined,
      });
    };
    /** DeepSeek-V2's: q (through its bottleneck where it has one), the latent and the shared rotated key part. */
    const latentAttentionOf = (rotation: PairRotation): string => {
      const project = (label: string, x: string, name: string) => linear(g, `${prefix}/attn/${label}`, x, name, get(name), options);
      const q = config.qLoraRank > 0 ? project('q_b_proj', norm('attn/q_a_norm', project('q_a_proj', attnIn, names.qA), names.qANorm), names.qB) : project('q_proj', attnIn, names.q);
      const kvA = project('kv_a_proj', attnIn, names.kvA);
      const [latentKv, kRope] = g.node('Split', `${prefix}/attn/kv_a_proj/Split`, [kvA, g.int64s([config.kvLoraRank, config.ropeHeadDim])], { axis: { i: -1 } }, { outputs: 2 });
      const latent = norm('attn/kv_a_norm', latentKv, names.kvANorm);
      const decompression = { kB: { name: names.kB, tensor: get(names.kB) }, vB: { name: names.vB, tensor: get(names.vB) } };
      const spec = { numHeads: config.numHeads, headDim, ropeDim: config.ropeHeadDim, vHeadDim: config.vHeadDim, latentDim: config.kvLoraRank, scale: config.attentionScale };
      return latentAttention(g, `${prefix}/attn`, { q, latent, kRope }, decompression, attend, rotation, spec);
    };
    const attended = pairs ? latentAttentionOf(pairs) : standardAttention();
    let attnOut = linear(g, `${prefix}/attn/o_proj`, attended, names.o, get(names.o), options);
    if (config.attentionOutputBias) attnOut = g.op('Add', `${prefix}/attn/o_proj/bias`, [attnOut, g.weight(names.oBias, get(names.oBias))]);
    if (config.normPlacement === 'sandwich') attnOut = norm('post_attn_norm', attnOut, names.postAttnNorm);
    h = g.op('Add', `${prefix}/attn/residual`, [h, scaled(`${prefix}/attn`, attnOut)]);

    const moeIn = norm('pre_moe_norm', h, names.preMoeNorm);
    const activation = { activation: config.expertActivation, geluApproximation: config.geluApproximation, swigluLimit: config.swigluLimit };
    const mixture = (): string => {
      const experts = Array.from({ length: config.numExperts }, (_, j) => j);
      let out = mixtureOfExperts(
        g,
        `${prefix}/moe`,
        moeIn,
        d,
        `model.layers.${i}.moe_block`,
        {
          router: get(names.router),
          routerBias: config.expertBias ? get(names.routerBias) : undefined,
          gate: experts.map((j) => get(names.expertGate(j))),
          up: experts.map((j) => get(names.expertUp(j))),
          down: experts.map((j) => get(names.expertDown(j))),
          biases: config.expertBias ? experts.map((j) => ({ gate: get(names.expertGateBias(j)), up: get(names.expertUpBias(j)), down: get(names.expertDownBias(j)) })) : undefined,
        },
        {
          topK: config.numExpertsPerToken,
          activation: config.expertActivation,
          geluApproximation: config.geluApproximation,
          swigluLimit: config.swigluLimit,
          renormalize: config.routerRenormalize,
          routerSoftcap: config.routerSoftcap,
        },
        options,
      );
      if (config.routedScalingFactor !== 1) out = g.op('Mul', `${prefix}/moe/routed_scaling`, [out, g.floats([config.routedScalingFactor])]);
      if (config.sharedExpertFfnSize > 0) {
        const mlp = { gate: get(names.sharedGate), up: get(names.sharedUp), down: get(names.sharedDown) };
        const weightNames = { gate: names.sharedGate, up: names.sharedUp, down: names.sharedDown };
        let shared = gatedMlp(g, `${prefix}/shared_expert`, moeIn, weightNames, mlp, activation, options);
        if (config.sharedExpertGate) {
          const gateLogit = g.op('MatMul', `${prefix}/shared_expert_gate/MatMul`, [moeIn, g.weight(names.sharedExpertGate, transpose2d(get(names.sharedExpertGate)))]);
          shared = g.op('Mul', `${prefix}/shared_expert_gate/Mul`, [shared, g.op('Sigmoid', `${prefix}/shared_expert_gate/Sigmoid`, [gateLogit])]);
        }
        out = g.op('Add', `${prefix}/shared_expert/Add`, [out, shared]);
      }
      if (config.expertSumMultiplier !== 1) out = g.op('Mul', `${prefix}/moe/expert_sum_multiplier`, [out, g.floats([config.expertSumMultiplier])]);
      return out;
    };
    /** A dense layer's SwiGLU MLP (DeepSeek's first_k_dense_replace layers, Qwen-MoE's mlp_only_layers). */
    const denseMlp = (): string => {
      const weights = { gate: get(names.denseGate), up: get(names.denseUp), down: get(names.denseDown) };
      return gatedMlp(g, `${prefix}/mlp`, moeIn, { gate: names.denseGate, up: names.denseUp, down: names.denseDown }, weights, activation, options);
    };
    let moeOut = isDenseLayer(config, i) ? denseMlp() : mixture();
    if (config.normPlacement === 'sandwich') moeOut = norm('post_moe_norm', moeOut, names.postMoeNorm);
    h = g.op('Add', `${prefix}/moe/residual`, [h, scaled(`${prefix}/moe`, moeOut)]);
    const kvOut = geometry ? appendedNames(i) : present;
    const kvOutDims = ['batch_size', cache.heads, geometry ? 'sequence_length' : 'total_sequence_length', cache.width];
    g.output(kvOut.key, ElementType.float, kvOutDims);
    g.output(kvOut.value, ElementType.float, kvOutDims);
  }

  if (options.logitRows !== 'all') {
    // The last `logits_to_keep` positions: 1 while decoding, more when speculative decoding verifies a draft.
    const keep = g.input(logitsToKeepInput, ElementType.int64, [1]);
    h = g.op('Slice', '/last_position/Slice', [h, g.op('Neg', '/last_position/Neg', [keep]), g.int64s([Number.MAX_SAFE_INTEGER]), g.int64s([1])]);
  }
  h = rmsNorm(g, '/final_norm', h, g.weight(decoderTensorNames.finalNorm, get(decoderTensorNames.finalNorm)), config.rmsNormEps);
  // The soft-cap, where there is one, produces the graph's logits; otherwise the projection does.
  const capped = config.finalLogitSoftcap > 0;
  const projectionOutput = capped ? undefined : 'logits';
  let logits: string;
  if (config.tiedOutput) {
    logits = tiedOutput(g, '/lm_head', h, embedding, d, vocabSize, config.outputMultiplier, projectionOutput);
  } else {
    const projected = linear(g, '/lm_head', h, decoderTensorNames.output, get(decoderTensorNames.output), { ...options, quant: outputQuant(options.quant) });
    logits = g.op('Mul', '/lm_head/Mul', [projected, g.floats([config.outputMultiplier])], {}, projectionOutput ? { outputNames: [projectionOutput] } : {});
  }
  if (capped) softcap(g, '/final_logit_softcap', logits, config.finalLogitSoftcap, 'logits');
  g.output('logits', ElementType.float, ['batch_size', options.logitRows === 'all' ? 'sequence_length' : logitsToKeepInput, vocabSize]);
  return g;
}

/**
 * Where `buildDecoderGraph` keeps each checkpoint tensor among a float32 graph's initializers: linear layers under their
 * own name (the MoE's as `<layer>.moe_block.router` and `.experts.<j>.gate|up|down`) stored transposed `[in, out]`,
 * everything else under its own name as is.
 */
function grokGraphInitializers(config: ModelConfig): Map<string, { initializer: string; transposed: boolean }> {
  const out = new Map<string, { initializer: string; transposed: boolean }>();
  for (const name of decoderTensorShapes(config).keys()) out.set(name, { initializer: name, transposed: false });
  if (!config.tiedOutput) out.set(decoderTensorNames.output, { initializer: decoderTensorNames.output, transposed: true });
  for (let i = 0; i < config.numLayers; i++) {
    const names = decoderTensorNames.layer(i);
    const moe = `model.layers.${i}.moe_block`;
    const linearNames = [names.q, names.k, names.v, names.o, names.qA, names.qB, names.kvA, names.kB, names.vB, names.denseGate, names.denseUp, names.denseDown];
    for (const name of [...linearNames, names.sharedGate, names.sharedUp, names.sharedDown, names.sharedExpertGate]) {
      if (out.has(name)) out.set(name, { initializer: name, transposed: true });
    }
    if (isDenseLayer(config, i)) continue;
    out.set(names.router, { initializer: `${moe}.router`, transposed: true });
    for (let j = 0; j < config.numExperts; j++) {
      out.set(names.expertGate(j), { initializer: `${moe}.experts.${j}.gate`, transposed: true });
      out.set(names.expertUp(j), { initializer: `${moe}.experts.${j}.up`, transposed: true });
      out.set(names.expertDown(j), { initializer: `${moe}.experts.${j}.down`, transposed: true });
      if (config.expertBias) {
        out.set(names.expertGateBias(j), { initializer: `${moe}.experts.${j}.gate.bias`, transposed: false });
        out.set(names.expertUpBias(j), { initializer: `${moe}.experts.${j}.up.bias`, transposed: false });
        out.set(names.expertDownBias(j), { initializer: `${moe}.experts.${j}.down.bias`, transposed: false });
      }
    }
    if (config.expertBias) out.set(names.routerBias, { initializer: `${moe}.router.bias`, transposed: false });
  }
  return out;
}

/**
 * The checkpoint weights back from a graph `buildDecoderGraph` wrote (a model folder that ships only `model.onnx`, like
 * the embedded model), so it can be rebuilt or exported: float32 initializers as they are, quantized linear layers
 * as the values d·q their blocks stand for.
 */
export function decoderWeightsFromGraph(config: ModelConfig, graph: GraphWeights, graphFile: string): Weights {
  const weights: Weights = new Map();
  for (const [name, { initializer, transposed }] of grokGraphInitializers(config)) {
    const float = graph.float.get(initializer);
    const dequantized = graph.dequantized.get(initializer);
    if (float) weights.set(name, transposed ? transpose2d(float) : float);
    else if (dequantized) weights.set(name, dequantized);
    else throw new Error(`${graphFile}: no initializer "${initializer}" for "${name}" (float32, or quantized as "${initializer}.q8" with its scales)`);
  }
  checkDecoderWeights(config, weights, graphFile);
  return weights;
}
