/**
 * Peak memory of `rook convert` on a Grok-shaped Hugging Face checkpoint (bf16, sharded), with the weights embedded
 * in model.onnx, streamed to model.onnx.data, and streamed with `--gguf` (model.gguf too), against the model's own float32 size and a bare Node process that
 * loads the converter (the peers, measured in the same run). `npm run bench -- convert [--layers N] [--hidden D]`.
 */
import { execFileSync } from 'node:child_process';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { parseArgs } from 'node:util';
import type { ModelConfig } from '../../server/model/config';
import { hfGrokCheckpoint, tinyHfGrok } from '../../test/engine/hfCheckpoints';

const { values } = parseArgs({ options: { layers: { type: 'string', default: '4' }, hidden: { type: 'string', default: '512' }, runs: { type: 'string', default: '3' } } });
const hidden = Number(values.hidden);
const shape: Omit<ModelConfig, 'vocabSize'> = { ...tinyHfGrok, hiddenSize: hidden, numLayers: Number(values.layers), numHeads: hidden / 64, numKvHeads: hidden / 128, headDim: 64, numExperts: 8, expertFfnSize: 2 * hidden, contextLength: 512 };
const repo = path.resolve(__dirname, '..', '..', '..');
const tokenizerModel = path.join(repo, 'test', 'fixtures', 'sentencepiece', 'tiny-bpe.model');
const { checkpoint } = hfGrokCheckpoint(tokenizerModel, 600, 1, shape);
const checkpointBytes = fs.readdirSync(checkpoint).filter((f) => f.endsWith('.safetensors')).reduce((sum, f) => sum + fs.statSync(path.join(checkpoint, f)).size, 0);
const child = path.join(__dirname, 'convertChild.js');
const outRoot = fs.mkdtempSync(path.join(path.dirname(checkpoint), 'rook-convert-out-'));

type Run = { weightBytes: number; externalData: boolean; seconds: number; maxRssBytes: number };
const convert = (threshold: number, i: number, gguf = false): Run =>
  JSON.parse(execFileSync(process.execPath, [child, checkpoint, path.join(outRoot, `${threshold}-${i}${gguf ? '-gguf' : ''}`), String(threshold), ...(gguf ? ['gguf'] : [])], { encoding: 'utf8' }));
const bareRss = Number(execFileSync(process.execPath, ['-e', `require(${JSON.stringify(path.join(repo, 'out', 'server', 'model', 'convert.js'))}); console.log(require(${JSON.stringify(path.join(__dirname, 'peakRss.js'))}).peakRssBytes())`], { encoding: 'utf8' }));
const median = (xs: number[]) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)];

const runs = Number(values.runs);
const embedded = Array.from({ length: runs }, (_, i) => convert(2_000_000_000, i));
const streamed = Array.from({ length: runs }, (_, i) => convert(0, i));
const withGguf = Array.from({ length: runs }, (_, i) => convert(0, i, true));
const weightBytes = embedded[0].weightBytes;
const mb = (bytes: number) => Math.round(bytes / 1e6);
const summary = (label: string, list: Run[]) => {
  const rss = median(list.map((r) => r.maxRssBytes));
  return { label, medianPeakRssMB: mb(rss), overBareNodeMB: mb(rss - bareRss), overBareNodePerWeightByte: +((rss - bareRss) / weightBytes).toFixed(2), medianSeconds: +median(list.map((r) => r.seconds)).toFixed(2) };
};
const results = {
  model: { ...shape, vocabSize: 600, parameters: weightBytes / 4, float32WeightsMB: mb(weightBytes), bf16CheckpointMB: mb(checkpointBytes) },
  bareNodeRssMB: mb(bareRss),
  runs,
  embedded: summary('weights inside model.onnx', embedded),
  externalData: summary('weights streamed to model.onnx.data', streamed),
  externalDataAndGguf: summary('weights streamed to model.onnx.data, and model.gguf (float32)', withGguf),
};
console.log(JSON.stringify(results, null, 2));
fs.writeFileSync(path.join(repo, 'bench', 'convert', 'results.json'), `${JSON.stringify(results, null, 2)}\n`);
fs.rmSync(outRoot, { recursive: true, force: true });
fs.rmSync(checkpoint, { recursive: true, force: true });
