import * as path from 'node:path';

/** The bundled CLI lives in dist/; the embedded model ships beside it in models/. */
export const embeddedModelDir = path.resolve(__dirname, '..', 'models', 'rook-moe-mini');
