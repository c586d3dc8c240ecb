/**
 * `rook convert <checkpoint-dir|model.gguf> <out-dir> [--quant int8|int4] [--gguf] [--external-data-threshold BYTES]`: a Hugging
 * Face checkpoint of a family Rook runs, a Rook folder, or a llama.cpp GGUF file into a model folder for
 * `rook.local.modelPath` (see server/model/convert.ts).
 */
import { convertCheckpoint, defaultExternalDataThreshold } from '../model/convert';
import type { QuantType } from '../model/quant';
import { parseCommandArgs } from './usage';

export const convertUsage = 'rook convert <checkpoint-dir|model.gguf> <out-dir> [--quant int8|int4] [--gguf] [--external-data-threshold BYTES]';
const quantTypes: readonly QuantType[] = ['none', 'int8', 'int4'];

export const convertHelp = `Usage: ${convertUsage}

Makes a model folder for rook.local.modelPath (and rook serve --model): config.json, model.onnx,
tokenizer.json. The source is a Hugging Face checkpoint folder (model_type grok-1, mixtral, qwen3_moe,
qwen2_moe, olmoe, granitemoe, granitemoeshared or gpt_oss; safetensors in F32, F16 or BF16), a Rook model
folder, or a llama.cpp GGUF file (architecture grok, llama with experts, qwen3moe, qwen2moe, olmoe, granitemoe or
gpt-oss; with a SentencePiece vocabulary).

  --quant int8|int4       store the linear layers block-quantized (MatMulNBits; default: float32)
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
  const quant = values.quant as QuantType;
  if (!quantTypes.includes(quant)) {
    console.error(`rook convert: --quant must be int8 or int4, got ${JSON.stringify(values.quant)}`);
    return 2;
  }
  const [source, out] = positionals;
  // A progress line for terminals only, so logs and pipes stay clean.
  const onProgress = process.stderr.isTTY ? (read: number, total: number) => process.stderr.write(`\rreading weights: ${read}/${total} tensors${read === total ? '\n' : ''}`) : undefined;
  const result = convertCheckpoint(source, out, { gguf: values.gguf, quant, externalDataThreshold: threshold, onProgress });
  const megabytes = (result.weightBytes / 1e6).toFixed(1);
  console.log(`${source}: ${result.format}, ${result.config.numLayers} layers, ${result.config.numExperts} experts (top ${result.config.numExpertsPerToken}), ${megabytes} MB of float32 weights${quant === 'none' ? '' : `, linear layers stored as ${quant}`}`);
  console.log(`wrote ${out}: ${result.files.join(', ')}${result.externalData ? ' (weights in model.onnx.data)' : ''}`);
  return 0;
}
