/** One conversion in its own process, so its peak RSS is the conversion's: `node convertChild.js SRC OUT THRESHOLD [gguf]`. */
import { convertCheckpoint } from '../../server/model/convert';
import { peakRssBytes } from './peakRss';

const [source, out, threshold, gguf] = process.argv.slice(2);
const started = performance.now();
const result = convertCheckpoint(source, out, { externalDataThreshold: Number(threshold), gguf: gguf === 'gguf' });
console.log(JSON.stringify({ weightBytes: result.weightBytes, externalData: result.externalData, seconds: (performance.now() - started) / 1000, maxRssBytes: peakRssBytes() }));
