/**
 * The weights of a checkpoint folder: `model.safetensors`, shards listed by `model.safetensors.index.json`
 * (Hugging Face's `weight_map` from tensor name to shard file), or tensor-parallel files as xAI published Grok-2
 * (`*-TP-000.safetensors`, `*-TP-001.safetensors`, … one a rank, and `*-TP-common.safetensors`; SGLang loads rank
 * r's file and the common one on GPU r): a tensor found in every rank's file is the ranks' parts joined, in rank
 * order, along the axis its format says it is split on (`CheckpointFormat.splitAxis`). Only headers are read on
 * opening; a tensor's bytes are read when a writer asks for its data, so converting holds little more than the tensors
 * in use at once. Pickle checkpoints (`*.bin`, `*.pt`) are refused with the way to convert them: Rook does not unpickle.
 */
import * as fs from 'node:fs';
import * as path from 'node:path';
import { readJsonFile } from '../jsonFile';
import { readSafetensorsHeader, readStoredBytes, readStoredTensor, type StoredTensor } from '../safetensors';
import { decodeMxfp4, mxfp4Shape } from './mxfp4';
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

/** A tensor stored in parts, one a tensor-parallel rank, joined along `axis`. */
interface Joined {
  shape: number[];
  axis: number;
  parts: Located[];
}

const isJoined = (tensor: Located | Joined): tensor is Joined => 'parts' in tensor;

/** The parts' data joined along `axis` (each part's `shape`, all alike). */
function joinParts(parts: readonly Float32Array[], shape: readonly number[], axis: number): Float32Array {
  const outer = shape.slice(0, axis).reduce((a, b) => a * b, 1);
  const chunk = shape.slice(axis).reduce((a, b) => a * b, 1);
  const joined = new Float32Array(outer * chunk * parts.length);
  for (let o = 0; o < outer; o++) parts.forEach((part, rank) => joined.set(part.subarray(o * chunk, (o + 1) * chunk), (o * parts.length + rank) * chunk));
  return joined;
}

/** A weight stored as transformers' MXFP4 pair (`name_blocks`, `name_scales`), and the shape it decodes to. */
interface Mxfp4Pair {
  blocks: Located;
  scales: Located;
  shape: number[];
}

/** A tensor whose data is read from disk on first use (then `onRead`) and kept only as long as the tensor object is. */
function lazyTensor(shape: number[], read: () => Float32Array, onRead: () => void): FloatTensor {
  let data: Float32Array | undefined;
  return {
    shape,
    get data() {
      if (!data) {
        data = read();
        onRead();
      }
      return data;
    },
  };
}

function readLocated(stored: Located | Joined, name: string): Float32Array {
  if (!isJoined(stored)) return readStoredTensor(stored.file, stored, name);
  return joinParts(stored.parts.map((part) => readStoredTensor(part.file, part, name)), stored.parts[0].shape, stored.axis);
}

function readMxfp4(pair: Mxfp4Pair, name: string): Float32Array {
  const { blocks, scales } = pair;
  return decodeMxfp4(readStoredBytes(blocks.file, blocks), readStoredBytes(scales.file, scales), blocks.shape, () => {
    throw new CheckpointError(scales.file, `tensor "${name}_scales" holds the exponent 255, which is NaN in MXFP4's E8M0 scales (corrupt file)`);
  });
}

/** How a checkpoint's tensor-parallel files are named: `…-TP-000.safetensors` (rank 0), `…-TP-common.safetensors`. */
const tensorParallelFile = /-TP-(\d{3}|common)\.safetensors$/;
/** More ranks than any published checkpoint uses; a folder claiming more is refused before its headers are read. */
const maxRanks = 256;

/**
 * The tensors of a folder of tensor-parallel files, by name; undefined when it has none. `splitAxis` says, for a
 * tensor found in the rank files, the axis its parts are joined along (undefined: the format does not split it).
 */
function readTensorParallel(dir: string, splitAxis: (name: string) => number | undefined): Map<string, Located | Joined> | undefined {
  const files = fs.readdirSync(dir).filter((name) => tensorParallelFile.test(name));
  if (files.length === 0) return undefined;
  // The common file's rank is -1.
  const rankOf = (file: string) => {
    const rank = tensorParallelFile.exec(file)![1];
    return rank === 'common' ? -1 : Number(rank);
  };
  const ranks = [...new Set(files.map(rankOf).filter((rank) => rank >= 0))].sort((a, b) => a - b);
  if (ranks.length > maxRanks) throw new CheckpointError(dir, `has tensor-parallel files for ${ranks.length} ranks; Rook joins at most ${maxRanks}`);
  const missing = ranks.findIndex((rank, i) => rank !== i);
  if (missing !== -1) throw new CheckpointError(dir, `has no tensor-parallel file for rank ${String(missing).padStart(3, '0')} (…-TP-${String(missing).padStart(3, '0')}.safetensors) but has later ranks; download the missing file`);
  const found = new Map<string, { rank: number; located: Located }[]>();
  for (const name of files.sort()) {
    const file = path.join(dir, name);
    const rank = rankOf(name);
    for (const [tensor, entry] of readSafetensorsHeader(file)) {
      const seen = found.get(tensor) ?? [];
      seen.push({ rank, located: { ...entry, file } });
      found.set(tensor, seen);
    }
  }
  const tensors = new Map<string, Located | Joined>();
  for (const [name, parts] of found) {
    const axis = splitAxis(name);
    // Whole tensors sit in the common file, or once in a rank's (a one-rank release has no other place).
    if (parts.length === 1 && (axis === undefined || parts[0].rank === -1 || ranks.length === 1)) {
      tensors.set(name, parts[0].located);
      continue;
    }
    const where = parts[0].located.file;
    if (axis === undefined) throw new CheckpointError(where, `tensor "${name}" is in ${parts.length} tensor-parallel files, but its format does not split it; the checkpoint is not laid out as this format's release is`);
    const byRank = parts.filter((part) => part.rank >= 0).sort((a, b) => a.rank - b.rank);
    if (byRank.length !== parts.length || byRank.some((part, i) => part.rank !== i) || byRank.length !== ranks.length) {
      throw new CheckpointError(where, `tensor "${name}" is split, but not once in each of the ${ranks.length} ranks' files (found in ${parts.map((part) => path.basename(part.located.file)).join(', ')})`);
    }
    const first = byRank[0].located;
    if (axis >= first.shape.length || byRank.some(({ located }) => located.shape.join() !== first.shape.join())) {
      throw new CheckpointError(where, `tensor "${name}" has parts of shapes ${byRank.map(({ located }) => `[${located.shape}]`).join(', ')}, which do not join along axis ${axis}`);
    }
    tensors.set(name, { shape: first.shape.map((size, i) => (i === axis ? size * byRank.length : size)), axis, parts: byRank.map((part) => part.located) });
  }
  return tensors;
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
    /** Where tensor names are listed: the index, the single safetensors file, or the folder of tensor-parallel files. */
    readonly listing: string,
    private readonly tensors: Map<string, Located | Joined>,
  ) {}

  /** Opens the weights of `dir`; errors name the file at fault and what to do. `splitAxis`: see `readTensorParallel`. */
  static open(dir: string, splitAxis: (name: string) => number | undefined = () => undefined): Checkpoint {
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
    const tensorParallel = readTensorParallel(dir, splitAxis);
    if (tensorParallel) return new Checkpoint(dir, tensorParallel);
    const pickles = fs.readdirSync(dir).filter((name) => /\.(bin|pt|pth|ckpt)$/.test(name));
    if (pickles.length > 0) {
      throw new CheckpointError(
        path.join(dir, pickles[0]),
        'is a PyTorch pickle checkpoint, which Rook does not load (unpickling runs code); convert it to safetensors first, e.g. in Python: ' +
          'AutoModelForCausalLM.from_pretrained(dir, torch_dtype="auto").save_pretrained(out, safe_serialization=True)',
      );
    }
    throw new CheckpointError(dir, `has no ${singleFile}, no ${indexFile} and no tensor-parallel files (…-TP-000.safetensors); a checkpoint's weights must be safetensors`);
  }

  /** Bytes of tensor data the checkpoint's tensors take, as stored. */
  get dataBytes(): number {
    let total = 0;
    for (const tensor of this.tensors.values()) for (const part of isJoined(tensor) ? tensor.parts : [tensor]) total += part.byteLength;
    return total;
  }

  has(name: string): boolean {
    return this.tensors.has(name) || this.mxfp4(name) !== undefined;
  }

  shape(name: string): number[] | undefined {
    return this.tensors.get(name)?.shape ?? this.mxfp4(name)?.shape;
  }

  /** The file that holds (or, for a missing tensor, should list) `name`. */
  fileOf(name: string): string {
    const tensor = this.tensors.get(name) ?? this.mxfp4(name)?.blocks;
    if (!tensor) return this.listing;
    return isJoined(tensor) ? tensor.parts[0].file : tensor.file;
  }

  /**
   * `name` stored as an MXFP4 pair of U8 tensors (gpt-oss's release), or undefined where it is not; a pair that is
   * not laid out as transformers writes it is refused, naming the file.
   */
  private mxfp4(name: string): Mxfp4Pair | undefined {
    const blocks = this.tensors.get(`${name}_blocks`);
    const scales = this.tensors.get(`${name}_scales`);
    if (!blocks || !scales || isJoined(blocks) || isJoined(scales) || blocks.dtype !== 'U8' || scales.dtype !== 'U8') return undefined;
    const shape = mxfp4Shape(blocks.shape, scales.shape);
    if (typeof shape === 'string') throw new CheckpointError(blocks.file, `tensor "${name}" is stored as MXFP4, but its ${shape}`);
    return { blocks, scales, shape };
  }

  /** Called after each tensor's data is read from disk, for progress reports. */
  onTensorRead?: () => void;

  /** The tensor, its data read from disk when first used. */
  get(name: string): FloatTensor | undefined {
    const onRead = () => this.onTensorRead?.();
    const located = this.tensors.get(name);
    if (located) return lazyTensor(located.shape, () => readLocated(located, name), onRead);
    const pair = this.mxfp4(name);
    return pair && lazyTensor(pair.shape, () => readMxfp4(pair, name), onRead);
  }
}
