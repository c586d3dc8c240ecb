/**
 * The weights of a checkpoint folder: `model.safetensors`, or shards listed by `model.safetensors.index.json`
 * (Hugging Face's `weight_map` from tensor name to shard file). Only headers are read on opening; a tensor's bytes
 * are read when a writer asks for its data, so converting holds little more than the tensors in use at once.
 * Pickle checkpoints (`*.bin`, `*.pt`) are refused with the way to convert them: Rook does not unpickle.
 */
import * as fs from 'node:fs';
import * as path from 'node:path';
import { readJsonFile } from '../jsonFile';
import { readSafetensorsHeader, readStoredTensor, type StoredTensor } from '../safetensors';
import type { FloatTensor } from '../tensor';
import { ModelFileError } from '../fileError';

export const indexFile = 'model.safetensors.index.json';
const singleFile = 'model.safetensors';

export class CheckpointError extends ModelFileError {
  override name = 'CheckpointError';
}

interface Located extends StoredTensor {
  file: string;
}

/** A tensor whose data is read from disk on first use (then `onRead`) and kept only as long as the tensor object is. */
function lazyTensor(located: Located, onRead: () => void): FloatTensor {
  let data: Float32Array | undefined;
  return {
    shape: located.shape,
    get data() {
      if (!data) {
        data = readStoredTensor(located.file, located);
        onRead();
      }
      return data;
    },
  };
}

/** A file name alone: no separators (either platform's), not empty, `.` or `..`, no NUL, so it stays inside the folder. */
function isPlainFileName(name: unknown): name is string {
  return typeof name === 'string' && name !== '' && name !== '.' && name !== '..' && !/[/\\\0]/.test(name) && path.basename(name) === name;
}

/** The shard file of each tensor, from the index's `weight_map`; every shard must be a file name in `dir`, and exist. */
function readIndex(dir: string): Map<string, string> {
  const file = path.join(dir, indexFile);
  const json = readJsonFile(file, (problem) => new CheckpointError(file, problem)) as { weight_map?: unknown };
  const weightMap = json?.weight_map;
  if (typeof weightMap !== 'object' || weightMap === null || Array.isArray(weightMap)) throw new CheckpointError(file, 'has no "weight_map" object (tensor name to shard file)');
  const shards = new Map<string, string>();
  const checked = new Set<string>();
  for (const [name, shard] of Object.entries(weightMap)) {
    if (!isPlainFileName(shard)) throw new CheckpointError(file, `tensor "${name}" maps to ${JSON.stringify(shard)}, not a shard file name in the checkpoint folder`);
    if (!checked.has(shard)) {
      let stat: fs.Stats | undefined;
      try {
        stat = fs.statSync(path.join(dir, shard));
      } catch {
        throw new CheckpointError(file, `names shard "${shard}" (for tensor "${name}"), which is not in ${dir}; download the missing shard`);
      }
      if (!stat.isFile()) throw new CheckpointError(file, `names shard "${shard}" (for tensor "${name}"), which is not a file`);
      checked.add(shard);
    }
    shards.set(name, shard);
  }
  return shards;
}

export class Checkpoint {
  private constructor(
    /** Where tensor names are listed: the index, or the single safetensors file. */
    readonly listing: string,
    private readonly tensors: Map<string, Located>,
  ) {}

  /** Opens the weights of `dir`; errors name the file at fault and what to do. */
  static open(dir: string): Checkpoint {
    const index = path.join(dir, indexFile);
    if (fs.existsSync(index)) {
      const shardOf = readIndex(dir);
      const tensors = new Map<string, Located>();
      for (const shard of new Set(shardOf.values())) {
        const file = path.join(dir, shard);
        const stored = readSafetensorsHeader(file);
        for (const [name, shardName] of shardOf) {
          if (shardName !== shard) continue;
          const entry = stored.get(name);
          if (!entry) throw new CheckpointError(file, `has no tensor "${name}", which ${indexFile} places in it`);
          tensors.set(name, { ...entry, file });
        }
      }
      return new Checkpoint(index, tensors);
    }
    const single = path.join(dir, singleFile);
    if (fs.existsSync(single)) {
      return new Checkpoint(single, new Map([...readSafetensorsHeader(single)].map(([name, entry]) => [name, { ...entry, file: single }])));
    }
    const pickles = fs.readdirSync(dir).filter((name) => /\.(bin|pt|pth|ckpt)$/.test(name));
    if (pickles.length > 0) {
      throw new CheckpointError(
        path.join(dir, pickles[0]),
        'is a PyTorch pickle checkpoint, which Rook does not load (unpickling runs code); convert it to safetensors first, e.g. in Python: ' +
          'AutoModelForCausalLM.from_pretrained(dir, torch_dtype="auto").save_pretrained(out, safe_serialization=True)',
      );
    }
    throw new CheckpointError(dir, `has no ${singleFile} and no ${indexFile}; a checkpoint's weights must be safetensors`);
  }

  /** Bytes of tensor data the checkpoint's tensors take, as stored. */
  get dataBytes(): number {
    let total = 0;
    for (const tensor of this.tensors.values()) total += tensor.byteLength;
    return total;
  }

  has(name: string): boolean {
    return this.tensors.has(name);
  }

  shape(name: string): number[] | undefined {
    return this.tensors.get(name)?.shape;
  }

  /** The file that holds (or, for a missing tensor, should list) `name`. */
  fileOf(name: string): string {
    return this.tensors.get(name)?.file ?? this.listing;
  }

  /** Called after each tensor's data is read from disk, for progress reports. */
  onTensorRead?: () => void;

  /** The tensor, its data read from disk when first used. */
  get(name: string): FloatTensor | undefined {
    const located = this.tensors.get(name);
    return located && lazyTensor(located, () => this.onTensorRead?.());
  }
}
