/**
 * safetensors: the header, then every tensor's data as float32. Seeds: a tiny model's weights in F32, F16 and BF16,
 * and the layout the reference `safetensors` library writes from PyTorch (a `__metadata__` entry first, names in
 * Hugging Face's style, sorted).
 */
import { ModelFileError } from '../../../server/model/fileError';
import { readSafetensorsHeader, readStoredTensor, serializeSafetensors } from '../../../server/model/safetensors';
import { randomDecoderWeights, syntheticTokenizer } from '../../../server/model/synthetic';
import type { FloatTensor } from '../../../server/model/tensor';
import { tinyGrok } from '../../engine/fixtures';
import type { FuzzTarget } from '../target';
import { scratchFile } from './scratchFile';
import { seedShape } from './seedShape';

const write = scratchFile('model.safetensors');

/** The bytes `safetensors.torch.save_file(tensors, metadata={"format": "pt"})` writes for BF16 tensors. */
function referenceLayout(weights: ReadonlyMap<string, FloatTensor>): Uint8Array {
  const names = [...weights.keys()].sort();
  const header: Record<string, unknown> = { __metadata__: { format: 'pt' } };
  const data: Buffer[] = [];
  let offset = 0;
  for (const name of names) {
    const tensor = weights.get(name)!;
    const bytes = Buffer.alloc(tensor.data.length * 2);
    const view = new DataView(new Float32Array(tensor.data).buffer);
    for (let i = 0; i < tensor.data.length; i++) bytes.writeUInt16LE(view.getUint32(i * 4, true) >>> 16, i * 2);
    const hfName = `model.${name.replace(/\//g, '.')}.weight`;
    header[hfName] = { dtype: 'BF16', shape: tensor.shape, data_offsets: [offset, offset + bytes.length] };
    data.push(bytes);
    offset += bytes.length;
  }
  let json = JSON.stringify(header);
  json += ' '.repeat((8 - (json.length % 8)) % 8);
  const length = Buffer.alloc(8);
  length.writeBigUInt64LE(BigInt(Buffer.byteLength(json)));
  return Buffer.concat([length, Buffer.from(json), ...data]);
}

export const target: FuzzTarget = {
  seeds: () => {
    const weights = randomDecoderWeights({ ...tinyGrok, ...seedShape, vocabSize: syntheticTokenizer().vocabSize }, 3);
    return [...(['F32', 'F16', 'BF16'] as const).map((dtype) => serializeSafetensors(weights, dtype)), referenceLayout(weights)];
  },
  run(input) {
    const file = write(input);
    for (const [name, stored] of readSafetensorsHeader(file)) readStoredTensor(file, stored, name);
    return 'accepted';
  },
  ownError: (error) => error instanceof ModelFileError,
  // F16 and BF16 decode to float32.
  expansion: 2,
};
