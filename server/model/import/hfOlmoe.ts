/**
 * Hugging Face OLMoE (`model_type` "olmoe", OLMoE-1B-7B): Llama-style layers with an RMSNorm over the whole q and k
 * projections (`self_attn.q_norm`, `k_norm`), `mlp.gate` routing to `mlp.experts.N.{gate,up,down}_proj` SwiGLU
 * experts sized by `intermediate_size`, top-k gates renormalized only with `norm_topk_prob`. `clip_qkv` (clamping
 * the projections) is refused: the released models have none.
 */
import { ModelConfigError } from '../config';
import type { CheckpointFormat } from './format';
import { llamaStyleConfig, llamaStyleRenames, mlpExpertRenames, namingOf, renamed } from './hfLlamaLayout';

const renames: [RegExp, string][] = [
  ...llamaStyleRenames,
  ...mlpExpertRenames,
];

const renamedFields: [string, string][] = [
  ['num_experts', 'num_experts'],
  ['intermediate_size', 'intermediate_size'],
];

export const hfOlmoe: CheckpointFormat = {
  label: 'Hugging Face OLMoE',
  naming: namingOf(renamedFields),
  modelConfig: (json, file) => {
    if (json.clip_qkv !== undefined && json.clip_qkv !== null) throw new ModelConfigError(file, `field "clip_qkv" is ${JSON.stringify(json.clip_qkv).slice(0, 80)}; Rook's graph does not clamp the projections (the released OLMoE models have null)`);
    const renormalize = json.norm_topk_prob ?? false;
    if (typeof renormalize !== 'boolean') throw new ModelConfigError(file, `bad value for field "norm_topk_prob": ${JSON.stringify(renormalize).slice(0, 80)}; expected true or false`);
    return llamaStyleConfig(json, file, { family: 'OLMoE', architecture: 'olmoe', renamedFields, defaultContext: 4096, knobs: { qk_norm: 'projection', router_renormalize: renormalize } });
  },
  sourceName: (rookName) => renamed(rookName, renames),
};
