// Bundles the programs Rook ships: the extension (CommonJS, `vscode` external), the `rook` CLI
// (which is also the LSP sidecar, `rook lsp --stdio`), its chat-template worker, and the chat webview script.
// `onnxruntime-node` stays external: its native binaries are shipped per platform (see native/).
import * as esbuild from 'esbuild';

const production = process.argv.includes('--production');
const watch = process.argv.includes('--watch');

const common = {
  bundle: true,
  minify: production,
  sourcemap: true,
  sourcesContent: false,
  logLevel: 'info',
  legalComments: 'linked',
};

const nodeTargets = [
  {
    ...common,
    entryPoints: ['extension/extension.ts'],
    outfile: 'dist/extension.js',
    platform: 'node',
    format: 'cjs',
    target: 'node20',
    external: ['vscode'],
  },
  {
    ...common,
    entryPoints: ['server/cli/main.ts'],
    outfile: 'dist/rook.js',
    platform: 'node',
    format: 'cjs',
    target: 'node20',
    external: ['onnxruntime-node', 'node-llama-cpp'],
    banner: { js: '#!/usr/bin/env node' },
  },
  {
    // Chat templates render in this worker thread (server/chat/templateSandbox.ts), beside rook.js.
    ...common,
    entryPoints: ['server/chat/templateWorker.ts'],
    outfile: 'dist/templateWorker.js',
    platform: 'node',
    format: 'cjs',
    target: 'node20',
  },
  {
    ...common,
    entryPoints: ['media/chat/main.ts'],
    outfile: 'dist/webview/chat.js',
    platform: 'browser',
    format: 'iife',
    target: 'es2022',
  },
];

if (watch) {
  const contexts = await Promise.all(nodeTargets.map((options) => esbuild.context(options)));
  await Promise.all(contexts.map((context) => context.watch()));
} else {
  await Promise.all(nodeTargets.map((options) => esbuild.build(options)));
}
