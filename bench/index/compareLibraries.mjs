// Compares BM25 libraries for the workspace index (issue 19), and Rook's own index (server/index/bm25.ts), on Rook's
// own repository or on the synthetic workspace of the index benchmark (`--files N`): the same chunks
// (server/index/chunks.ts) and terms (server/index/terms.ts) go into each; it measures index build time, query
// latency (p50/p95 over queries made as completions make them: the names of a window of lines), retained heap,
// serialized size and load time, and the time to replace one file's chunks (incremental update). Each runs in its
// own process, so heap figures do not mix.
//
//   node bench/index/compareLibraries.mjs [--files N] [--only a,b]   (after `npx tsc -p tsconfig.json`; installs
//                                      the libraries under .cache/index-libraries/ with npm the first time)
import { execFileSync, spawnSync } from 'node:child_process';
import { existsSync, mkdirSync, readFileSync, statSync, writeFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { deserialize, serialize } from 'node:v8';
import { join, resolve } from 'node:path';

const root = resolve(import.meta.dirname, '../..');
const cache = join(root, '.cache', 'index-libraries');
const candidates = { minisearch: '7.2.0', flexsearch: '0.8.212', 'wink-bm25-text-search': '3.1.2', '@orama/orama': '3.1.18' };
const require = createRequire(join(cache, 'package.json'));
const { terms, queryTerms } = await import(join(root, 'out/server/index/terms.js'));
const { chunkFile, chunkText } = await import(join(root, 'out/server/index/chunks.js'));
const { Bm25Index } = await import(join(root, 'out/server/index/bm25.js'));
const { syntheticFiles } = await import(join(root, 'out/bench/index/syntheticWorkspace.js'));
const argument = (name) => (process.argv.includes(name) ? process.argv[process.argv.indexOf(name) + 1] : undefined);
const fileCount = argument('--files') === undefined ? undefined : Number(argument('--files'));

function install() {
  if (Object.keys(candidates).every((name) => existsSync(join(cache, 'node_modules', name)))) return;
  mkdirSync(cache, { recursive: true });
  writeFileSync(join(cache, 'package.json'), '{"private":true}\n');
  execFileSync('npm', ['install', '--no-audit', '--no-fund', ...Object.entries(candidates).map(([n, v]) => `${n}@${v}`)], { cwd: cache, stdio: 'inherit' });
}

/** Rook's tracked code files, or `fileCount` synthetic ones, chunked: {id, file, text}. */
function corpus() {
  const files = syntheticFiles(fileCount ?? 0);
  if (fileCount === undefined) {
    for (const file of execFileSync('git', ['ls-files'], { cwd: root, encoding: 'utf8' }).split('\n')) {
      const path = join(root, file);
      if (/\.(ts|js|mjs|py)$/.test(file) && !file.startsWith('models/') && existsSync(path) && statSync(path).size <= 256 * 1024) files.push({ path: file, text: readFileSync(path, 'utf8') });
    }
  }
  const chunks = [];
  for (const file of files) {
    const lines = file.text.split('\n');
    for (const chunk of chunkFile(lines)) chunks.push({ id: chunks.length, file: file.path, text: chunkText(lines, chunk), lines, chunk });
  }
  return { files: files.length, chunks };
}

/** Queries as completions make them: the identifiers of 8-24 lines of a chunk, seeded. */
function queries(chunks, count) {
  let seed = 7;
  const random = () => ((seed = (seed * 1103515245 + 12345) % 2 ** 31) / 2 ** 31);
  return Array.from({ length: count }, () => {
    const lines = chunks[Math.floor(random() * chunks.length)].text.split('\n');
    return queryTerms(lines.slice(0, 8 + Math.floor(random() * 8)).join('\n'));
  });
}

const adapters = {
  rook() {
    let index = new Bm25Index();
    const byFile = (docs) => {
      const files = new Map();
      for (const d of docs) files.set(d.file, [...(files.get(d.file) ?? []), d]);
      return files;
    };
    const add = (docs) => { for (const [file, list] of byFile(docs)) index.setFile(file, '', list.map((d) => ({ ...d.chunk, terms: terms(d.text) }))); };
    return {
      // Packed once built, as the sidecar does after a walk.
      add: (docs) => { add(docs); index.pack(); },
      search: (query) => index.search(query, 8),
      replace: (_removed, added) => add(added),
      save: () => serialize(index.snapshot()),
      load: (bytes) => { index = Bm25Index.fromSnapshot(deserialize(bytes)); },
    };
  },
  minisearch() {
    const MiniSearch = require('minisearch').default ?? require('minisearch');
    const options = { fields: ['text'], idField: 'id', tokenize: (text) => terms(text), processTerm: (term) => term };
    let index = new MiniSearch(options);
    return {
      add: (docs) => index.addAll(docs),
      search: (query) => index.search({ combineWith: 'OR', queries: query }).slice(0, 8),
      replace: (removed, added) => { for (const d of removed) index.discard(d.id); index.addAll(added); },
      save: () => JSON.stringify(index),
      load: (json) => { index = MiniSearch.loadJSON(json, options); },
    };
  },
  flexsearch() {
    const { Index } = require('flexsearch');
    let index = new Index({ encode: (text) => terms(text), resolution: 9 });
    return {
      add: (docs) => { for (const d of docs) index.add(d.id, d.text); },
      search: (query) => index.search(query.join(' '), { limit: 8, suggest: true }),
      replace: (removed, added) => { for (const d of removed) index.remove(d.id); for (const d of added) index.add(d.id, d.text); },
      save: () => { const parts = {}; index.export((key, data) => { parts[key] = data; }); return JSON.stringify(parts); },
      load: (json) => { const parts = JSON.parse(json); index = new Index({ encode: (text) => terms(text), resolution: 9 }); for (const [k, v] of Object.entries(parts)) index.import(k, v); },
    };
  },
  'wink-bm25-text-search'() {
    const bm25 = require('wink-bm25-text-search');
    let engine = bm25();
    const setup = (e) => { e.defineConfig({ fldWeights: { text: 1 } }); e.definePrepTasks([(text) => terms(text)]); };
    setup(engine);
    let docs = [];
    return {
      add: (added) => { docs = added; for (const d of added) engine.addDoc({ text: d.text }, d.id); engine.consolidate(); },
      search: (query) => engine.search(query.join(' '), 8),
      // Consolidated engines take no new documents: an update rebuilds the whole index.
      replace: (removed, added) => {
        const gone = new Set(removed.map((d) => d.id));
        docs = [...docs.filter((d) => !gone.has(d.id)), ...added];
        engine = bm25(); setup(engine);
        for (const d of docs) engine.addDoc({ text: d.text }, d.id);
        engine.consolidate();
      },
      save: () => engine.exportJSON(),
      load: (json) => { engine = bm25(); setup(engine); engine.importJSON(json); },
    };
  },
  '@orama/orama'() {
    const orama = require('@orama/orama');
    const make = () => orama.create({ schema: { text: 'string' }, components: { tokenizer: { language: 'english', normalizationCache: new Map(), tokenize: (text) => terms(text) } } });
    let db = make();
    return {
      add: (docs) => { for (const d of docs) orama.insert(db, { id: String(d.id), text: d.text }); },
      search: (query) => orama.search(db, { term: query.join(' '), limit: 8, threshold: 1 }),
      replace: (removed, added) => { for (const d of removed) orama.remove(db, String(d.id)); for (const d of added) orama.insert(db, { id: String(d.id), text: d.text }); },
      save: () => JSON.stringify(orama.save(db)),
      load: (json) => { db = make(); orama.load(db, JSON.parse(json)); },
    };
  },
};

const percentile = (sorted, p) => sorted[Math.min(sorted.length - 1, Math.floor(p * sorted.length))];
const heapMb = () => { globalThis.gc(); globalThis.gc(); return process.memoryUsage().heapUsed / 2 ** 20; };

async function measure(name) {
  const { files, chunks } = corpus();
  const qs = queries(chunks, 500);
  const heapBefore = heapMb();
  const adapter = adapters[name]();
  let started = performance.now();
  await adapter.add(chunks);
  const buildMs = performance.now() - started;
  const heapIndex = heapMb() - heapBefore;
  const times = [];
  for (const query of qs) {
    started = performance.now();
    await adapter.search(query);
    times.push(performance.now() - started);
  }
  times.sort((a, b) => a - b);
  // One file's chunks replaced, as after a save.
  const file = chunks[Math.floor(chunks.length / 2)].file;
  const removed = chunks.filter((c) => c.file === file);
  const added = removed.map((c, i) => ({ ...c, id: chunks.length + i }));
  started = performance.now();
  await adapter.replace(removed, added);
  const updateMs = performance.now() - started;
  started = performance.now();
  const saved = await adapter.save();
  const saveMs = performance.now() - started;
  started = performance.now();
  await adapter.load(saved);
  const loadMs = performance.now() - started;
  return { library: name, files, chunks: chunks.length, buildMs, p50Ms: percentile(times, 0.5), p95Ms: percentile(times, 0.95), heapMb: heapIndex, updateMs, savedMb: saved.length / 2 ** 20, loadMs };
}

if (process.argv[2] === '--one') {
  process.stdout.write(JSON.stringify(await measure(process.argv[3])));
} else {
  install();
  const rows = [];
  const only = argument('--only')?.split(',');
  for (const name of Object.keys(adapters).filter((n) => !only || only.includes(n))) {
    const run = spawnSync(process.execPath, ['--expose-gc', import.meta.filename, '--one', name, ...process.argv.slice(2)], { encoding: 'utf8' });
    if (run.status !== 0) { console.error(`${name}: ${run.stderr}`); continue; }
    rows.push(JSON.parse(run.stdout));
  }
  const f = (x) => (x < 10 ? x.toFixed(2) : x.toFixed(0));
  console.log(`${fileCount === undefined ? "Rook's repository" : 'synthetic workspace'}: ${rows[0]?.files} files, ${rows[0]?.chunks} chunks`);
  console.log('| library | build ms | query p50 ms | query p95 ms | heap MB | one-file update ms | saved MB | load ms |');
  console.log('|---|---:|---:|---:|---:|---:|---:|---:|');
  for (const r of rows) console.log(`| ${r.library} | ${f(r.buildMs)} | ${f(r.p50Ms)} | ${f(r.p95Ms)} | ${f(r.heapMb)} | ${f(r.updateMs)} | ${f(r.savedMb)} | ${f(r.loadMs)} |`);
}
