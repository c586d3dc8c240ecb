/**
 * Qwen3-30B-A3B's proportions at about 1 GB (see bench/engine/README.md, `qwen3-1gb`): hidden 512, 8 query heads and
 * 1 KV head of 128 with per-head q/k norms, 128 experts top-8 (renormalized) of SwiGLU FFN 192, an untied output.
 * The benches that load a Qwen3-MoE-shaped model build it from here.
 */
import type { ModelConfig } from '../../server/model/config';

export function qwen3ScaledConfig(base: ModelConfig, layers: number, contextLength: number): ModelConfig {
  const hiddenSize = 512;
  return {
    ...base,
    architecture: 'qwen3_moe',
    hiddenSize,
    numLayers: layers,
    numHeads: 8,
    numKvHeads: 1,
    headDim: 128,
    numExperts: 128,
    numExpertsPerToken: 8,
    expertFfnSize: (hiddenSize * 3) / 8,
    contextLength,
    rmsNormEps: 1e-6,
    ropeBase: 1e6,
    expertActivation: 'swiglu',
    normPlacement: 'pre',
    routerRenormalize: true,
    embeddingMultiplier: 1,
    outputMultiplier: 1,
    attentionScale: 1 / Math.sqrt(128),
    attentionSoftcap: 0,
    routerSoftcap: 0,
    tiedOutput: false,
    qkNorm: 'head',
  };
}
