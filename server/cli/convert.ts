/**
 * `rook convert <checkpoint-dir|model.gguf> <out-dir> [--quant int8|int4] [--gguf] [--external-data-threshold BYTES]`: a Hugging
 * Face checkpoint of a family Rook runs, a Rook folder, or a llama.cpp GGUF file into a model folder for
 * `rook.local.modelPath` (see server/model/convert.ts).
 */
import { convertCheckpoint, defaultExternalDataThreshold } from '../model/convert';
import type { QuantChoice } from '../model/quant';
import { progressBar } from './progressBar';
import { parseCommandArgs } from './usage';

export const convertUsage = 'rook convert <checkpoint-dir|model.gguf> <out-dir> [--quant int8|int4|match] [--gguf] [--external-data-threshold BYTES]';
const quantTypes: readonly string[] = ['none', 'int8', 'int4', 'match'];

export const convertHelp = `Usage: ${convertUsage}

Makes a model folder for rook.local.modelPath (and rook serve --model): config.json, model.onnx,
tokenizer.json. The source is a Hugging Face checkpoint folder (model_type grok-1, mixtral, qwen3_moe,
qwen2_moe, olmoe, granitemoe, granitemoeshared or gpt_oss; safetensors in F32, F16 or BF16), a Rook model
folder, or a llama.cpp GGUF file (architecture grok, llama with experts, qwen3moe, qwen2moe, olmoe, granitemoe or
gpt-oss; with a SentencePiece vocabulary).

  --quant int8|int4       store the linear layers block-quantized (MatMulNBits; default: float32)
  --quant match           for a GGUF: each weight as the kind that holds its own type exactly (Q8_0, Q5_K, Q6_K
                          and MXFP4: int8; Q4_0 and Q4_K: int4; F32, F16, BF16: float32), as a .gguf used
                          directly as a model gets
  --progress-json         report progress as JSON lines on stderr ({"read":N,"total":M}), for programs that
                          run the conversion (the sidecar does, for a .gguf in rook.local.modelPath)
  --gguf                  also write model.gguf, for llama.cpp
  --external-data-threshold BYTES
                          float32 weights over this many bytes go to model.onnx.data beside model.onnx
                          (default and most ${defaultExternalDataThreshold}, under ONNX's 2 GiB file limit)
  -h, --help              this help`;

export async function runConvert(args: string[]): Promise<number> {
  const { values, positionals } = parseCommandArgs({
    args,
    allowPositionals: true,
    options: {
      gguf: { type: 'boolean', default: false },
      quant: { type: 'string', default: 'none' },
      'progress-json': { type: 'boolean', default: false },
      'external-data-threshold': { type: 'string', default: String(defaultExternalDataThreshold) },
    },
  });
  if (positionals.length !== 2) {
    console.error(`rook convert: expected a checkpoint folder (or GGUF file) and an out folder.\nUsage: ${convertUsage}`);
    return 2;
  }
  const threshold = Number(values['external-data-threshold']);
  if (!Number.isInteger(threshold) || threshold < 0) {
    console.error(`rook convert: --external-data-threshold must be a byte count, got ${JSON.stringify(values['external-data-threshold'])}`);
    return 2;
  }
  if (!quantTypes.includes(values.quant)) {
    console.error(`rook convert: --quant must be int8, int4 or match, got ${JSON.stringify(values.quant)}`);
    return 2;
  }
  const [source, out] = positionals;
  const quant = values.quant as QuantChoice;
  const result = convertCheckpoint(source, out, { gguf: values.gguf, quant, externalDataThreshold: threshold, onProgress: progressReporter(values['progress-json']) });
  const megabytes = (result.weightBytes / 1e6).toFixed(1);
  const stored = { none: '', int8: ', linear layers stored as int8', int4: ', linear layers stored as int4', match: ', linear layers stored as the nearest exact kind to each one\'s own type' }[quant];
  console.log(`${source}: ${result.format}, ${result.config.numLayers} layers, ${result.config.numExperts} experts (top ${result.config.numExpertsPerToken}), ${megabytes} MB of float32 weights${stored}`);
  console.log(`wrote ${out}: ${result.files.join(', ')}${result.externalData ? ' (weights in model.onnx.data)' : ''}`);
  return 0;
}

/** JSON lines for a program reading stderr; a bar on a terminal; nothing in logs and pipes, which the bar's lines would clutter. */
function progressReporter(json: boolean): ((read: number, total: number) => void) | undefined {
  if (json) return (read, total) => process.stderr.write(`${JSON.stringify({ read, total })}\n`);
  if (!process.stderr.isTTY) return undefined;
  const bar = progressBar(process.stderr, 'tensors');
  return (read, total) => {
    bar.update(read, total, 'reading weights');
    if (read === total) bar.finish();
  };
}
