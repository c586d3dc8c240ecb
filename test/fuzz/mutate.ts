/**
 * Seeded mutation of valid inputs, in the manner of AFL's "havoc" stage: a few stacked edits per input, some blind
 * (bits, bytes, chunks), some aimed at what readers trust (little-endian counts and lengths, numbers and names in
 * JSON and HTTP text). The same seed list, random seed and index always give the same input, so any finding
 * can be replayed from its numbers alone.
 */

export type Random = () => number;

const interesting8 = [0, 1, 0x7f, 0x80, 0xff];
const interesting32 = [0, 1, 2, 0x7f, 0x80, 0xff, 0x100, 0x7fff, 0x8000, 0xffff, 0x10000, 0x1000000, 0x7fffffff, 0x80000000, 0xfffffffe, 0xffffffff];
const interesting64 = [0n, 1n, 0xffffffffn, 0x100000000n, 2n ** 53n, 2n ** 63n - 1n, 2n ** 63n, 2n ** 64n - 1n];
/** Values that break parsers of numbers written as text. */
const numberTexts = ['-1', '0', '1e309', '-1e309', '4294967296', '9007199254740993', '1e12', '0.5', 'NaN', '""', 'null', 'true', '[]', '{}', '99999999999999999999999'];
/** Values that break parsers of names and structure written as text. */
const tokenTexts = ['"__proto__"', '"constructor"', '"toString"', '"hasOwnProperty"', 'null', '[[[[[[[[', '{"a":{"a":{"a":', '"\\ud800"', '"\\u0000"', '"' + 'A'.repeat(300) + '"'];

const int = (random: Random, below: number) => Math.floor(random() * below);
const pick = <T>(random: Random, items: readonly T[]): T => items[int(random, items.length)];

function splice(input: Uint8Array, at: number, remove: number, insert: Uint8Array): Uint8Array {
  const out = new Uint8Array(input.length - remove + insert.length);
  out.set(input.subarray(0, at));
  out.set(insert, at);
  out.set(input.subarray(at + remove), at + insert.length);
  return out;
}

/** Offsets of ASCII digit runs (with a leading minus) and of double-quoted tokens, in the first 64 KiB. */
function textSpans(input: Uint8Array, pattern: RegExp): [number, number][] {
  const text = Buffer.from(input.subarray(0, 65536)).toString('latin1');
  return [...text.matchAll(pattern)].map((match) => [match.index!, match[0].length]);
}

type Mutator = (input: Uint8Array, random: Random, donors: readonly Uint8Array[]) => Uint8Array;

/** Writes an interesting count of `width` bytes somewhere: half the time at an aligned offset, where binary formats keep their fields. */
function setCount(width: 4 | 8, write: (view: DataView, at: number, random: Random) => void): Mutator {
  return (input, random) => {
    if (input.length < width) return input;
    const out = input.slice();
    const places = input.length - width + 1;
    const at = random() < 0.5 ? int(random, Math.floor(places / width)) * width : int(random, places);
    write(new DataView(out.buffer, out.byteOffset), at, random);
    return out;
  };
}

const mutators: Mutator[] = [
  function flipBit(input, random) {
    const out = input.slice();
    if (out.length > 0) out[int(random, out.length)] ^= 1 << int(random, 8);
    return out;
  },
  function setByte(input, random) {
    const out = input.slice();
    if (out.length > 0) out[int(random, out.length)] = random() < 0.5 ? pick(random, interesting8) : int(random, 256);
    return out;
  },
  setCount(4, (view, at, random) => view.setUint32(at, pick(random, interesting32), true)),
  setCount(8, (view, at, random) => view.setBigUint64(at, pick(random, interesting64), true)),
  function insertBytes(input, random) {
    const bytes = Uint8Array.from({ length: 1 + int(random, 32) }, () => int(random, 256));
    return splice(input, int(random, input.length + 1), 0, bytes);
  },
  function deleteChunk(input, random) {
    if (input.length === 0) return input;
    const at = int(random, input.length);
    return splice(input, at, 1 + int(random, Math.min(256, input.length - at)), new Uint8Array(0));
  },
  function duplicateChunk(input, random) {
    if (input.length === 0) return input;
    const from = int(random, input.length);
    const chunk = input.slice(from, from + 1 + int(random, 256));
    return splice(input, int(random, input.length + 1), 0, chunk);
  },
  function truncate(input, random) {
    return input.slice(0, int(random, input.length + 1));
  },
  function spliceDonor(input, random, donors) {
    const donor = pick(random, donors);
    if (donor.length === 0 || input.length === 0) return input;
    const from = int(random, donor.length);
    const chunk = donor.subarray(from, from + 1 + int(random, 512));
    const at = int(random, input.length);
    return splice(input, at, Math.min(chunk.length, input.length - at), chunk);
  },
  function replaceNumberText(input, random) {
    const spans = textSpans(input, /-?\d+(\.\d+)?([eE][+-]?\d+)?/g);
    if (spans.length === 0) return input;
    const [at, length] = pick(random, spans);
    return splice(input, at, length, Buffer.from(pick(random, numberTexts), 'latin1'));
  },
  function replaceTokenText(input, random) {
    const spans = textSpans(input, /"[^"\\\r\n]{0,64}"/g);
    if (spans.length === 0) return input;
    const [at, length] = pick(random, spans);
    return splice(input, at, length, Buffer.from(pick(random, tokenTexts), 'latin1'));
  },
];

/**
 * One mutated input: `seeds[i]` for a random i with 1 to 4 stacked edits. The result is kept under `maxBytes` (an
 * input may grow, but a run must not drift into megabytes by duplication alone).
 */
export function mutate(seeds: readonly Uint8Array[], random: Random, maxBytes: number): Uint8Array {
  let input = pick(random, seeds);
  const edits = 1 + int(random, 4);
  for (let i = 0; i < edits; i++) input = pick(random, mutators)(input, random, seeds);
  return input.length > maxBytes ? input.slice(0, maxBytes) : input;
}
