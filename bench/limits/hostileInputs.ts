/**
 * `rook bench limits`: how long Rook's guards take on the inputs that once made it hang (a 10 MB document, a
 * 40,000-character vocabulary piece, a GGUF string length of 1.2 GB), each against a peer measured in the same run:
 * one linear scan of the document, the merges of the vocabulary without the long piece, reading the GGUF file whole.
 * The tests assert only what happens on these inputs; this says how fast.
 * Usage: node out/bench/limits/hostileInputs.js [--repetitions N] [--out FILE]
 */
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { cursorContext } from '../../server/completion/cursorContext';
import { readGgufHeader } from '../../server/model/gguf/read';
import { bpeMerges, parseSentencePieceModel, PieceType } from '../../server/model/import/sentencepiece';
import { median } from '../engine/median';

const usage = 'Usage: node out/bench/limits/hostileInputs.js [--repetitions N] [--out FILE]';
const repoRoot = path.resolve(__dirname, '..', '..', '..');

interface Case {
  name: string;
  input: string;
  /** The guarded work. */
  run: () => unknown;
  peer: string;
  runPeer: () => unknown;
}

function milliseconds(run: () => unknown, repetitions: number): number {
  const times: number[] = [];
  for (let i = 0; i < repetitions; i++) {
    const started = performance.now();
    run();
    times.push(performance.now() - started);
  }
  return median(times);
}

/** A GGUF header whose one metadata string claims 1.2 GB, in a sparse 1.3 GB file. */
function hugeStringGguf(dir: string): string {
  const key = Buffer.from('general.name');
  const header = Buffer.alloc(4 + 4 + 8 + 8 + 8 + key.length + 4 + 8);
  let at = header.write('GGUF', 0, 'latin1');
  at = header.writeUInt32LE(3, at);
  at = header.writeBigUInt64LE(0n, at);
  at = header.writeBigUInt64LE(1n, at);
  at = header.writeBigUInt64LE(BigInt(key.length), at);
  at += key.copy(header, at);
  at = header.writeUInt32LE(8, at);
  header.writeBigUInt64LE(1_200_000_000n, at);
  const file = path.join(dir, 'huge-string.gguf');
  fs.writeFileSync(file, header);
  fs.truncateSync(file, 1_300_000_000);
  return file;
}

function refused(run: () => unknown): void {
  try {
    run();
  } catch {
    return;
  }
  throw new Error('the hostile GGUF was accepted');
}

function main(): void {
  const args = process.argv.slice(2);
  if (args.includes('--help')) return console.log(usage);
  const option = (name: string) => (args.includes(name) ? args[args.indexOf(name) + 1] : undefined);
  const repetitions = Number(option('--repetitions') ?? 7);
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'rook-limits-'));
  try {
    const document = 'const a = 1;\n'.repeat(800_000);
    const tokenizerFile = path.join(repoRoot, 'test', 'fixtures', 'sentencepiece', 'tiny-bpe.model');
    const pieces = parseSentencePieceModel(fs.readFileSync(tokenizerFile), tokenizerFile).pieces;
    const longPiece = 'ab'.repeat(20_000);
    const gguf = hugeStringGguf(dir);
    const cases: Case[] = [
      {
        name: 'cursor context, 10 MB document',
        input: `${document.length} characters`,
        run: () => cursorContext(document, document.length / 2),
        peer: 'one indexOf scan of the document',
        runPeer: () => document.indexOf('\0'),
      },
      {
        name: 'BPE merges, a 40,000-character piece',
        input: `${pieces.length + 1} pieces`,
        run: () => bpeMerges([...pieces, { piece: longPiece, score: -1e6, type: PieceType.userDefined }]),
        peer: 'the merges without the long piece',
        runPeer: () => bpeMerges(pieces),
      },
      {
        name: 'GGUF header, a 1.2 GB string length',
        input: '1.3 GB sparse file',
        run: () => refused(() => readGgufHeader(gguf)),
        peer: 'reading the file whole',
        runPeer: () => fs.readFileSync(gguf).length,
      },
    ];
    const results = cases.map(({ name, input, run, peer, runPeer }) => {
      const ms = milliseconds(run, repetitions);
      const peerMs = milliseconds(runPeer, repetitions);
      return { name, input, ms: Number(ms.toPrecision(3)), peer, peerMs: Number(peerMs.toPrecision(3)), ratio: Number((ms / peerMs).toPrecision(3)) };
    });
    console.table(results);
    const out = option('--out');
    if (out) fs.writeFileSync(out, JSON.stringify({ date: new Date().toISOString(), cpu: os.cpus()[0]?.model, repetitions, results }, null, 2) + '\n');
  } finally {
    fs.rmSync(dir, { recursive: true, force: true });
  }
}

main();
