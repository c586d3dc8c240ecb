/**
 * `general.architecture` of a GGUF file (and `<arch>.expert_count`, which tells a Mixtral-style `llama` from a dense
 * one), read from the start of its header only: listing the models on a machine must not read each file's whole
 * header (a vocabulary of 150,000 tokens is megabytes). llama.cpp writes `general.*` first and the architecture's keys
 * next, the vocabulary last; the walk goes through at most `maxEntries` keys within the first `headBytes` bytes and
 * stops there rather than reading on.
 */
import * as fs from 'node:fs';

export const architectureLimits = {
  /** Bytes read from the start of the file. */
  headBytes: 64 * 1024,
  /** Metadata entries walked before giving up. */
  maxEntries: 128,
} as const;

/** `expertCount` is undefined when the key was not within the bounds (or the file has none: a dense model). */
export type ArchitectureRead = { architecture: string; expertCount?: number; tokenizer?: { model: string; pre?: string } } | { problem: string };

/** Bytes of one value of each fixed-size GGUF metadata type (by type id). */
const fixedSizes = new Map<number, number>([[0, 1], [1, 1], [2, 2], [3, 2], [4, 4], [5, 4], [6, 4], [7, 1], [10, 8], [11, 8], [12, 8]]);
const stringType = 8;
const arrayType = 9;

/** The architecture named in `head`, the first bytes of a GGUF file. */
export function ggufArchitectureIn(head: Buffer): ArchitectureRead {
  let at = 0;
  const need = (bytes: number) => {
    if (at + bytes > head.length) throw new RangeError();
    const start = at;
    at += bytes;
    return start;
  };
  const u32 = () => head.readUInt32LE(need(4));
  const u64 = () => {
    const value = head.readBigUInt64LE(need(8));
    if (value > BigInt(head.length)) throw new RangeError();
    return Number(value);
  };
  const string = () => {
    const length = u64();
    return head.toString('utf8', need(length), at);
  };
  const skip = (type: number) => {
    const fixed = fixedSizes.get(type);
    if (fixed !== undefined) need(fixed);
    else if (type === stringType) string();
    else if (type === arrayType) {
      const elementType = u32();
      const count = u64();
      const size = fixedSizes.get(elementType);
      if (size !== undefined) need(size * count);
      else if (elementType === stringType) for (let i = 0; i < count; i++) string();
      else throw new RangeError(); // arrays of arrays do not come before the architecture in real files
    } else throw new TypeError(`metadata type ${type}`);
  };
  try {
    if (head.length < 4 || head.toString('latin1', 0, 4) !== 'GGUF') return { problem: 'not a GGUF file (it does not start with "GGUF")' };
    need(4);
    const version = u32();
    if (version !== 2 && version !== 3) return { problem: `GGUF version ${version}, which Rook does not read (it reads 2 and 3)` };
    need(8); // tensor count
    const entries = Math.min(Number(head.readBigUInt64LE(need(8))), architectureLimits.maxEntries);
    let architecture: string | undefined;
    const experts = new Map<string, number>();
    const tokenizer: { model?: string; pre?: string } = {};
    try {
      for (let i = 0; i < entries; i++) {
        const key = string();
        // The vocabulary follows (megabytes): what comes before it is all this reads.
        if (key === 'tokenizer.ggml.tokens') break;
        const type = u32();
        if (key === 'general.architecture') {
          if (type !== stringType) return { problem: 'general.architecture is not a string (corrupt file)' };
          architecture = string().slice(0, 100);
        } else if (key.endsWith('.expert_count') && (type === 4 || type === 5)) experts.set(key, head.readUInt32LE(need(4)));
        else if ((key === 'tokenizer.ggml.model' || key === 'tokenizer.ggml.pre') && type === stringType) tokenizer[key === 'tokenizer.ggml.model' ? 'model' : 'pre'] = string().slice(0, 100);
        else skip(type);
      }
    } catch (error) {
      // Past the bytes read: what was found so far is the answer.
      if (architecture === undefined || !(error instanceof RangeError)) throw error;
    }
    if (architecture === undefined) return { problem: `no general.architecture among the first ${entries} metadata entries` };
    const read: ArchitectureRead = { architecture, expertCount: experts.get(`${architecture}.expert_count`) };
    if (tokenizer.model !== undefined) read.tokenizer = { model: tokenizer.model, pre: tokenizer.pre };
    return read;
  } catch (error) {
    if (error instanceof TypeError) return { problem: `unknown ${error.message} in the header (corrupt file)` };
    return { problem: `no general.architecture in the first ${architectureLimits.headBytes / 1024} KiB of the header (truncated or unusual file)` };
  }
}

/** `general.architecture` of the GGUF `file`, reading at most `architectureLimits.headBytes` of it (asynchronously: the sidecar lists many). */
export async function readGgufArchitecture(file: string): Promise<ArchitectureRead> {
  let handle: fs.promises.FileHandle | undefined;
  try {
    handle = await fs.promises.open(file, 'r');
    const head = Buffer.alloc(architectureLimits.headBytes);
    const { bytesRead } = await handle.read(head, 0, head.length, 0);
    return ggufArchitectureIn(head.subarray(0, bytesRead));
  } catch (error) {
    return { problem: `cannot read (${(error as NodeJS.ErrnoException).code ?? (error as Error).message})` };
  } finally {
    await handle?.close();
  }
}
